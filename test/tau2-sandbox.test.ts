// tau2 with the tool executor in bubblewrap sandboxes: same rewards as in process, no sandbox left, timeouts as results,
// and the sink's lease release for every row (error rows too).
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import "../apptainer/mod.ts";
import { bubblewrapBackend } from "../apptainer/backends/bubblewrap.ts";
import { SandboxPool } from "../apptainer/pool.ts";
import { silentLogger } from "../runtime/log.ts";
import { MemoryBlobStore } from "../runtime/message/blobs.ts";
import { closedRunSandboxes, closeRunSandboxes, sandboxForHop } from "../runtime/sandbox/registry.ts";
import { roleSandbox } from "../runtime/sandbox/role.ts";
import { sinkRow } from "../runtime/sink.ts";
import { newEnvelope } from "../runtime/source.ts";
import type { WorkflowDefinition } from "../runtime/workflow.ts";
import { loadDomain } from "../workflows/tau2/domain.ts";
import { executeInSandbox } from "../workflows/tau2/execute.ts";
import { parseTask } from "../workflows/tau2/task.ts";
import { tau2Sandboxes } from "../workflows/tau2/sandboxes.ts";
import { readJsonl, runMatrix, tempDir } from "./helpers/cli.ts";
import { domainDir, readTasks } from "./tau2-fixtures.ts";

const tmp = tempDir("matrix-tau2-bwrap-");
afterAll(() => tmp.dispose());

async function run(domain: "retail" | "mock", sandbox: string): Promise<{ rewards: Record<string, unknown>; stderr: string }> {
  const out = `${tmp.dir}/${domain}-${sandbox}.jsonl`;
  const r = await runMatrix(
    [
      "run",
      "tau2",
      `dataset.path=${domainDir(domain)}/tasks.json`,
      `tau2.domain_dir=${domainDir(domain)}`,
      "tau2.sim_mode=oracle",
      `tau2.tools.sandbox=${sandbox}`,
      "tau2.tools.max_sandboxes=8",
      "sim.time_scale=1000",
      `output.path=${out}`,
      "--quiet",
    ],
    // The run's temporary files (sandbox work dirs, the runner bundle) go to a folder this test inspects.
    { env: { TMPDIR: tmp.dir } },
  );
  expect(r.code, r.stderr).toBe(0);
  const rewards = Object.fromEntries(readJsonl(out).map((row) => [String(row.id), row.status === "ok" ? row.reward : row.error]));
  return { rewards, stderr: r.stderr };
}

function bwrapProcessesUnder(dir: string): string[] {
  return execFileSync("ps", ["-eo", "stat,args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes("bwrap") && l.includes(dir) && !l.startsWith("Z"));
}

describe("tau2 in bubblewrap", () => {
  it.each(["mock", "retail"] as const)("tau2 sandbox - %s oracle run with bubblewrap tools: the in-process rewards, no sandbox left", async (domain) => {
    const sandboxed = await run(domain, "bubblewrap");
    const inProcess = await run(domain, "none");
    expect(Object.keys(sandboxed.rewards)).toHaveLength(readTasks(domain).length);
    expect(sandboxed.rewards).toEqual(inProcess.rewards);
    expect(new Set(Object.values(sandboxed.rewards))).toEqual(new Set([1]));
    // Every lease was released by the sink before the run closed its pool, and nothing is left on disk or running.
    expect(sandboxed.stderr).not.toContain("live leases");
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith("matrix-sandboxes-"))).toEqual([]);
    expect(bwrapProcessesUnder(tmp.dir)).toEqual([]);
  });

  it("tau2 sandbox - a tool call sleeping past its limit is killed and returned as a timeout error result", async () => {
    const domain = loadDomain(domainDir("mock"));
    const task = parseTask(readTasks("mock")[0]);
    const spec = tau2Sandboxes({ domain_dir: domain.dir, max_steps: 200, sim_mode: "off", judge: false, tools: { sandbox: "bubblewrap", timeout_s: 0.5, max_sandboxes: 1, lease_ttl_s: 60, image: "" } }).tools!;
    const pool = new SandboxPool("test/tools", spec, bubblewrapBackend());
    try {
      const msg = newEnvelope({ run: "r", workflow: "tau2", task: "t:0", trial: 0, seed: 1, first: "user", input: {}, state: {} });
      const calls = [{ id: "c1", type: "function" as const, function: { name: "get_users", arguments: "{}" } }];
      const started = Date.now();
      const results = await executeInSandbox(domain, task, [], calls, {
        sandbox: roleSandbox(pool, msg, new AbortController().signal),
        command: ["sh", "-c", "sleep 30"],
        domainDir: domain.dir,
        timeout_s: 0.5,
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(results).toEqual([
        { tool_call_id: "c1", name: "get_users", arguments: {}, ok: false, timed_out: true, content: "Error: the tool call timed out after 0.5 s and was killed" },
      ]);
      expect(pool.stats()).toMatchObject({ timed_out: 1, live: 1 });
    } finally {
      await pool.close();
    }
  });

  it("tau2 sandbox - the sink releases a task's leases for an error row", async () => {
    const wf = {
      name: "lease-test",
      sandboxes: () => ({ tools: { backend: "process", max_live: 2, lease_ttl_ms: 60_000, acquire_timeout_ms: 1_000, binds: [], env: {}, output_cap_bytes: 1024 } }),
      output: () => ({ status: "ok", fields: {} }),
    } as unknown as WorkflowDefinition;
    const msg = newEnvelope({ run: `lease-run-${process.pid}`, workflow: wf.name, task: "t:0", trial: 0, seed: 1, first: "a", input: {}, state: {} });
    await sandboxForHop(wf, {}, msg, "tools", new AbortController().signal, silentLogger).lease();
    expect(msg.leases).toHaveLength(1);
    msg.error = { code: "boom", message: "the hop failed", role: "a" };
    const { row, release } = await sinkRow(msg, { workflow: wf, params: {}, blobs: new MemoryBlobStore(), includeHistory: false });
    expect(row.status).toBe("error");
    await release();
    await closeRunSandboxes(msg.run);
    expect(closedRunSandboxes(msg.run)!.tools).toMatchObject({ acquired: 1, released: 1, live: 0, expired: 0 });
  });
});
