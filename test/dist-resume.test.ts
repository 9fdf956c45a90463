// `matrix run --nats` killed with SIGKILL mid-run, then the same command again: it resumes; every task once.
import { join } from "node:path";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonl, runMatrix, startMatrix, tempDir, until } from "./helpers/cli.ts";
import { coralTasks, exactlyOnce, startAgents, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

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

describe("run process crash", () => {
  it("dist resume - kill -9 of matrix run mid-run, then the same command again: every task exactly once", async () => {
    const out = join(dir.dir, "coral.jsonl");
    const args = ["run", "coral", "trials=3", "sim.time_scale=20", "progress.mode=off", `output.path=${out}`, "--nats", server.url];
    const expected = coralTasks(240, 3);
    const first = startMatrix(args);
    await until(() => readJsonl(out).length >= 150 || first.child.exitCode !== null, 30_000, "150 rows written");
    expect(first.child.exitCode).toBeNull();
    first.child.kill("SIGKILL");
    await first.result;
    const before = readJsonl(out).length;
    expect(before).toBeLessThan(expected.length);
    expect(existsSync(`${out}.run.json`)).toBe(true);

    const second = await runMatrix(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/resuming run/);
    // Tasks that were in flight when the run was killed finished in the agents; their results are copied, not redone.
    expect(second.stderr).toMatch(/results already stored for this run/);
    const rows = readJsonl(out);
    expect(exactlyOnce(rows, expected)).toEqual({ duplicates: [], missing: [] });
    expect(rows.filter((r) => r.status === "error")).toEqual([]);
    expect(existsSync(`${out}.run.json`)).toBe(false);
  }, 60_000);
});
