// Offloading on the wire: bytes per hop with offloading on vs off on a Coral run with long turns; blobs released.
import { join } from "node:path";
import { Objm } from "@nats-io/obj";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { readJsonl, runMatrix, tempDir } from "./helpers/cli.ts";
import { coralTasks, exactlyOnce, startAgents, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

let server: NatsServer;
let nc: NatsConnection;
let agents: AgentProcess[] = [];
const dir = tempDir();
const TASKS = 30;
// Every agent turn is 5,000 simulated tokens (about 20 KB of text), above the 16 KiB offload threshold.
const LONG_TURNS = [
  "coral", `dataset.limit=${TASKS}`, "coral.max_turns=4", "sim.time_scale=200", "progress.mode=off",
  "sim.output_len.dist=fixed", "sim.output_len.value=5000", "llm.agent_a.sampling.max_tokens=6000", "llm.agent_b.sampling.max_tokens=6000",
];

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: "offload test" });
  agents = await startAgents(server.url, 2, ["--workflows", "coral"]);
}, 60_000);

afterAll(async () => {
  await stopAgents(agents);
  await nc?.close();
  await server?.stop();
  dir.dispose();
});

/** Runs coral with the given offload threshold; returns the hops seen on the work subjects and their bytes. */
async function measuredRun(name: string, threshold: number): Promise<{ hops: number; bytes: number; blobBytes: number; rows: Record<string, unknown>[] }> {
  const out = join(dir.dir, `${name}.jsonl`);
  let hops = 0;
  let bytes = 0;
  let blobBytes = 0;
  const sub = nc.subscribe("mx.work.>", {
    callback: (_err, m) => {
      hops++;
      bytes += m.data.byteLength;
    },
  });
  // Offloaded fields are written once each as object-store chunks.
  const chunks = nc.subscribe("$O.mx_blobs.C.>", {
    callback: (_err, m) => {
      blobBytes += m.data.byteLength;
    },
  });
  const res = await runMatrix(["run", ...LONG_TURNS, `offload_threshold_bytes=${threshold}`, `output.path=${out}`, "--nats", server.url]);
  await nc.flush();
  sub.unsubscribe();
  chunks.unsubscribe();
  expect(res.code, res.stderr).toBe(0);
  return { hops, bytes, blobBytes, rows: readJsonl(out) };
}

describe("offloading", () => {
  it("dist offload - long turns travel as references: fewer bytes per hop, same rows, no blobs left after the run", async () => {
    const on = await measuredRun("on", 16 * 1024);
    const off = await measuredRun("off", 64 * 1024 * 1024);
    const perHop = (m: { hops: number; bytes: number }) => Math.round(m.bytes / m.hops);
    console.log(
      `offload on: ${on.hops} hops, ${perHop(on)} B/hop (+ ${on.blobBytes} B of blobs written once); ` +
        `offload off: ${off.hops} hops, ${perHop(off)} B/hop (${off.blobBytes} B of blobs)`,
    );
    expect(exactlyOnce(on.rows, coralTasks(TASKS))).toEqual({ duplicates: [], missing: [] });
    expect(on.rows.filter((r) => r.status !== "ok")).toEqual([]);
    // Rows hold the resolved text, whichever way it travelled.
    const dialogue = (rows: Record<string, unknown>[]) => Object.fromEntries(rows.map((r) => [r.task, r.dialogue]));
    expect(dialogue(on.rows)).toEqual(dialogue(off.rows));
    expect(perHop(on) * 5).toBeLessThan(perHop(off));

    const os = await new Objm(nc).open("mx_blobs");
    expect((await os.list()).filter((o) => !o.deleted)).toEqual([]);
    const info = await os.status();
    expect(info.size).toBe(0);
  }, 60_000);
});
