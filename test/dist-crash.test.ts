// Agent processes killed with SIGKILL mid-run: every task still ends as exactly one row, none of them an error.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonl, startMatrix, tempDir } from "./helpers/cli.ts";
import { coralTasks, exactlyOnce, startAgent, startAgents, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let server: NatsServer;
const agents: AgentProcess[] = [];
const dir = tempDir();

beforeAll(async () => {
  server = await startNatsServer();
}, 30_000);

afterAll(async () => {
  await stopAgents(agents, 2_000);
  await server?.stop();
  dir.dispose();
});

describe("agent crashes", () => {
  it("dist crash - kill -9 of one of three agents every two seconds (five times) loses no task and writes no error row", async () => {
    const out = join(dir.dir, "coral.jsonl");
    // 240 sample rows x 9 trials = 2,160 tasks.
    const expected = coralTasks(240, 9);
    agents.push(...(await startAgents(server.url, 3, ["--workflows", "coral"])));
    const run = startMatrix(["run", "coral", "trials=9", "sim.time_scale=25", "progress.mode=off", `output.path=${out}`, "--nats", server.url]);
    let kills = 0;
    let done = false;
    void run.result.then(() => (done = true));
    // Five kills, one every two seconds: enough to hit tasks at every stage, few enough that a loaded machine
    // (agents take a while to start) still finishes well within the time limit.
    while (!done && kills < 5) {
      await sleep(2_000);
      if (done) break;
      const victim = agents.find((a) => a.alive());
      if (!victim) break;
      await victim.kill9();
      agents.splice(agents.indexOf(victim), 1);
      kills++;
      agents.push(startAgent(server.url, ["--workflows", "coral"]));
    }
    const res = await run.result;
    expect(res.code, res.stderr).toBe(0);
    const rows = readJsonl(out);
    expect(exactlyOnce(rows, expected)).toEqual({ duplicates: [], missing: [] });
    expect(rows).toHaveLength(expected.length);
    expect(rows.filter((r) => r.status === "error")).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(3);
  }, 150_000);
});
