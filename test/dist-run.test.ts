// `matrix run --nats` with real `matrix agent` processes: the same rows as the embedded run.
import { join } from "node:path";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats } from "../runtime/adapter/nats.ts";
import { NatsBus } from "../runtime/bus/nats.ts";
import { readJsonl, runMatrix, tempDir, until } from "./helpers/cli.ts";
import { coralTasks, exactlyOnce, startAgents, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

const FAST = ["sim.time_scale=200", "progress.mode=off"];
// Fields that depend on when and where a task ran, not on what it computed.
const TIMING = new Set(["started_at", "duration_ms", "ms"]);

function withoutTiming(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutTiming);
  if (x && typeof x === "object") {
    return Object.fromEntries(Object.entries(x).filter(([k]) => !TIMING.has(k)).map(([k, v]) => [k, withoutTiming(v)]));
  }
  return x;
}

let server: NatsServer;
let agents: AgentProcess[] = [];
const dir = tempDir();

beforeAll(async () => {
  server = await startNatsServer();
  agents = await startAgents(server.url, 2, ["--workflows", "coral"]);
}, 60_000);

afterAll(async () => {
  await stopAgents(agents);
  await server?.stop();
  dir.dispose();
});

describe("matrix run --nats", () => {
  it("dist run - coral with two agent processes writes the same rows as the embedded run", async () => {
    const common = ["coral", "dataset.limit=80", "seed=7", ...FAST];
    const embedded = join(dir.dir, "embedded.jsonl");
    const distributed = join(dir.dir, "distributed.jsonl");
    const a = await runMatrix(["run", ...common, `output.path=${embedded}`]);
    expect(a.code).toBe(0);
    const b = await runMatrix(["run", ...common, `output.path=${distributed}`, "--nats", server.url]);
    expect(b.stderr).not.toMatch(/error|warn/i);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/coral: 80 tasks/);

    const rowsA = readJsonl(embedded);
    const rowsB = readJsonl(distributed);
    expect(exactlyOnce(rowsB, coralTasks(80))).toEqual({ duplicates: [], missing: [] });
    const byTask = (rows: Record<string, unknown>[]) => Object.fromEntries(rows.map((r) => [r.task as string, withoutTiming(r)]));
    expect(byTask(rowsB)).toEqual(byTask(rowsA));
    // Both agents did work, and a completed run leaves no run file behind.
    for (const agent of agents) expect(agent.stderr()).toMatch(/serving run/);
    expect(existsSync(`${distributed}.run.json`)).toBe(false);
  }, 60_000);

  it("dist run - poison messages on the wire are terminated with an error naming their subject; agents keep serving", async () => {
    const nc = await connectNats(server.url, { name: "poison test" });
    try {
      const bus = new NatsBus(nc);
      await bus.publish("coral", "agent_a", new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
      await bus.publish("coral", "_sink", new TextEncoder().encode("{not cbor"));
      const log = () => agents.map((a) => a.stderr()).join("\n");
      await until(() => (log().match(/fails to decode or validate/g)?.length ?? 0) >= 2, 10_000, "both poison messages logged");
      expect(log()).toMatch(/subject=mx\.work\.coral\.agent_a/);
      expect(log()).toMatch(/subject=mx\.work\.coral\._sink/);
      expect(await bus.depth("coral", "agent_a")).toBe(0);
      expect(await bus.depth("coral", "_sink")).toBe(0);
    } finally {
      await nc.close();
    }
    for (const agent of agents) expect(agent.alive()).toBe(true);
    const out = join(dir.dir, "after-poison.jsonl");
    const res = await runMatrix(["run", "coral", "dataset.limit=20", ...FAST, `output.path=${out}`, "--nats", server.url]);
    expect(res.code, res.stderr).toBe(0);
    expect(exactlyOnce(readJsonl(out), coralTasks(20))).toEqual({ duplicates: [], missing: [] });
  }, 30_000);
});
