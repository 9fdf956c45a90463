// A 3-node NATS cluster with R3 streams loses the work stream's leader (kill -9) mid-run: every task still once.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonl, startMatrix, tempDir, until } from "./helpers/cli.ts";
import { coralTasks, exactlyOnce, startAgents, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { startNatsCluster, type NatsCluster } from "./helpers/nats-server.ts";

let cluster: NatsCluster;
let agents: AgentProcess[] = [];
const dir = tempDir();

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  agents = await startAgents(cluster.urls.join(","), 2, ["--workflows", "coral", "--replicas", "3"]);
}, 60_000);

afterAll(async () => {
  await stopAgents(agents);
  await cluster?.stop();
  dir.dispose();
});

describe("NATS node loss", () => {
  it("dist node loss - kill -9 of the work stream leader's server mid-run: the run completes with every task once", async () => {
    const out = join(dir.dir, "coral.jsonl");
    const expected = coralTasks(240, 2);
    const run = startMatrix([
      "run", "coral", "trials=2", "sim.time_scale=20", "progress.mode=off", `output.path=${out}`,
      "--nats", cluster.urls.join(","), "--replicas", "3",
    ]);
    await until(() => readJsonl(out).length >= 100 || run.child.exitCode !== null, 30_000, "100 rows written");
    expect(run.child.exitCode).toBeNull();
    const leader = await cluster.leaderOf("mx_work");
    await leader.kill9();
    expect(readJsonl(out).length).toBeLessThan(expected.length);
    const res = await run.result;
    expect(res.code, res.stderr).toBe(0);
    const rows = readJsonl(out);
    expect(exactlyOnce(rows, expected)).toEqual({ duplicates: [], missing: [] });
    expect(rows.filter((r) => r.status === "error")).toEqual([]);
  }, 90_000);
});
