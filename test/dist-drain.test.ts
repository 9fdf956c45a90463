// SIGTERM to an agent with about 100 tasks in flight: it drains, exits 0 within the grace period, loses nothing.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonl, startMatrix, tempDir } from "./helpers/cli.ts";
import { coralTasks, exactlyOnce, startAgent, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

let server: NatsServer;
const agents: AgentProcess[] = [];
const dir = tempDir();

beforeAll(async () => {
  server = await startNatsServer();
}, 30_000);

afterAll(async () => {
  await stopAgents(agents);
  await server?.stop();
  dir.dispose();
});

async function inFlight(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^matrix_agent_in_flight (\d+)/m.exec(text)?.[1] ?? 0);
}

describe("agent drain", () => {
  it("dist drain - SIGTERM with ~100 tasks in flight exits 0 within the grace period and no task is lost", async () => {
    const out = join(dir.dir, "coral.jsonl");
    const first = startAgent(server.url, ["--workflows", "coral", "--metrics-port", "0", "--grace-s", "10"]);
    agents.push(first);
    await first.ready();
    const port = Number(/metrics_port=(\d+)/.exec(first.stderr())?.[1]);
    // Every LLM call takes 1.5 s, so the 100 admitted tasks sit in the agent's handlers.
    const run = startMatrix([
      "run", "coral", "dataset.limit=200", "max_concurrent_tasks=100", "sim.time_scale=1", "sim.fixed_latency_ms=1500",
      "coral.max_turns=2", "progress.mode=off", `output.path=${out}`, "--nats", server.url,
    ]);
    const deadline = Date.now() + 20_000;
    while ((await inFlight(port)) < 95) {
      if (Date.now() > deadline) throw new Error("the agent never had ~100 hops in flight");
      await new Promise((r) => setTimeout(r, 50));
    }
    const t0 = Date.now();
    first.child.kill("SIGTERM");
    const res = await first.result;
    const exitedAfter = Date.now() - t0;
    expect(res.code, res.stderr).toBe(0);
    expect(exitedAfter).toBeLessThan(10_000);
    expect(res.stderr).toMatch(/draining/);

    agents.push(startAgent(server.url, ["--workflows", "coral"]));
    const done = await run.result;
    expect(done.code, done.stderr).toBe(0);
    const rows = readJsonl(out);
    expect(exactlyOnce(rows, coralTasks(200))).toEqual({ duplicates: [], missing: [] });
    expect(rows.filter((r) => r.status === "error")).toEqual([]);
  }, 60_000);
});
