// The sandbox pool as a NATS service: a real nats-server, a real `matrix service-manager` hosting a bubblewrap
// sandbox service, tau2 runs whose tool executor runs in its sandboxes, an agent crash, and the manager's SIGTERM.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { NatsSandboxDirectory, type NatsSandboxService } from "../runtime/sandbox/nats-client.ts";
import { exactlyOnce, startAgents, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { readJsonl, runMatrix, startMatrix, tempDir, until } from "./helpers/cli.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";
import { domainDir, readTasks } from "./tau2-fixtures.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TTL_S = 4;
const tmp = tempDir("matrix-sbx-nats-");
const workDir = join(tmp.dir, "work");
// Every child's temporary files (the tool runner bundle) go where this test can inspect them (agents included).
const ENV = { TMPDIR: tmp.dir };
const savedTmpdir = process.env.TMPDIR;

let server: NatsServer;
let manager: ReturnType<typeof startMatrix>;
let nc: NatsConnection;
let tools: NatsSandboxService;

function bwrapProcesses(): string[] {
  return execFileSync("ps", ["-eo", "stat,args"], { encoding: "utf8" }).split("\n").filter((l) => l.includes("bwrap") && l.includes(tmp.dir) && !l.startsWith("Z"));
}

/** Work dirs of live sandboxes (the host's folder holds one per lease). */
function sandboxDirs(): string[] {
  return readdirSync(workDir).flatMap((host) => readdirSync(join(workDir, host)).map((box) => `${host}/${box}`));
}

async function poolStats() {
  const [s] = await tools.stats(300);
  if (!s) throw new Error(`no sandbox host answers; manager log:\n${manager.stderr()}`);
  return s;
}

async function runTau2(domain: "mock" | "retail", limit: number, how: "embedded" | "remote", extra: string[] = []) {
  const out = join(tmp.dir, `${domain}-${how}-${extra.length}.jsonl`);
  const args = [
    "run",
    "tau2",
    `dataset.path=${domainDir(domain)}/tasks.json`,
    `dataset.limit=${limit}`,
    `tau2.domain_dir=${domainDir(domain)}`,
    "tau2.sim_mode=oracle",
    "sim.time_scale=1000",
    "progress.mode=off",
    `output.path=${out}`,
    ...(how === "remote" ? ["tau2.tools.sandbox_service=tools", "--nats", server.url] : []),
    ...extra,
  ];
  return { out, result: startMatrix(args, { env: ENV }) };
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rewards(path: string): Record<string, unknown> {
  return Object.fromEntries(readJsonl(path).map((row) => [String(row.id), row.status === "ok" ? row.reward : row.error]));
}

beforeAll(async () => {
  process.env.TMPDIR = tmp.dir;
  server = await startNatsServer();
  mkdirSync(workDir);
  const config = join(tmp.dir, "services.yaml");
  writeFileSync(
    config,
    [
      "services:",
      "  - name: tools",
      "    engine: sandbox",
      "    backend: bubblewrap",
      "    capacity: 6",
      `    lease_ttl_s: ${TTL_S}`,
      `    allow_binds: [${ROOT}, ${resolve(domainDir("mock"), "..")}, ${tmp.dir}]`,
      `    work_dir: ${workDir}`,
    ].join("\n"),
  );
  manager = startMatrix(["service-manager", "--nats", server.url, "--config", config], { env: ENV });
  nc = await connectNats(server.url, { name: "sandbox service test" });
  tools = new NatsSandboxDirectory(nc, "mx").service("tools");
  await until(() => manager.stderr().includes("serving mx.sandbox.tools.acquire") || manager.child.exitCode !== null, 20_000, "sandbox service up");
  expect(manager.child.exitCode, manager.stderr()).toBeNull();
}, 30_000);

afterAll(async () => {
  await nc?.close();
  if (manager && manager.child.exitCode === null) {
    manager.child.kill("SIGKILL");
    await manager.result;
  }
  await server?.stop();
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  tmp.dispose();
});

describe("sandbox service over NATS", () => {
  it.each([
    ["mock", 10],
    ["retail", 8],
  ] as const)("sandbox nats - %s oracle run with tools in the remote sandbox service: in-process rewards, no sandbox left", async (domain, limit) => {
    const before = await poolStats();
    const embedded = await runTau2(domain, limit, "embedded");
    const remote = await runTau2(domain, limit, "remote", ["--local-agents", "2"]);
    const [a, b] = await Promise.all([embedded.result.result, remote.result.result]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).not.toMatch(/warn|error/i);
    const got = rewards(remote.out);
    expect(Object.keys(got)).toHaveLength(Math.min(limit, readTasks(domain).length));
    expect(got).toEqual(rewards(embedded.out));
    expect(new Set(Object.values(got))).toEqual(new Set([1]));
    // The tool calls ran in the service's sandboxes, and the sink released every lease (none left to expire).
    const after = await poolStats();
    expect(after.acquired - before.acquired).toBeGreaterThan(0);
    expect(after).toMatchObject({ live: 0, waiting: 0, expired: before.expired, released: after.acquired });
    expect(after.execs - before.execs).toBeGreaterThanOrEqual(after.acquired - before.acquired);
    expect(sandboxDirs()).toEqual([]);
    expect(bwrapProcesses()).toEqual([]);
  }, 40_000);

  it("sandbox nats - a lease whose task vanished expires after the TTL; unknown binds are refused", async () => {
    const before = await poolStats();
    const lease = await tools.acquire("vanished:0");
    expect(lease).toMatchObject({ kind: "sandbox", service: "nats:tools", id: expect.stringMatching(/^[\w-]+:sbx-[0-9a-f]+$/) });
    expect((await tools.exec(lease.id, ["sh", "-c", "echo hi > note && cat note"], { timeout_s: 5 })).stdout).toBe("hi\n");
    expect(sandboxDirs()).toHaveLength(1);
    await until(() => sandboxDirs().length === 0, (TTL_S + 3) * 1000, "lease expired");
    expect(await poolStats()).toMatchObject({ live: 0, expired: before.expired + 1 });
    await expect(tools.exec(lease.id, ["true"])).rejects.toMatchObject({ code: "lease_unknown", retryable: false });
    const outside = tools.withSpec({ binds: [{ src: "/etc", dst: "/host-etc", ro: true }] });
    await expect(outside.acquire("bad:0")).rejects.toMatchObject({ code: "sandbox_bind", retryable: false });
    expect((await poolStats()).live).toBe(0);
  }, 20_000);

  it("sandbox nats - an agent killed mid-run: its leases expire after the TTL and every task completes once", async () => {
    let agents: AgentProcess[] = [];
    try {
      agents = await startAgents(server.url, 2, ["--workflows", "tau2"]);
      const before = await poolStats();
      const limit = 16;
      const run = await runTau2("retail", limit, "remote", ["sim.time_scale=100", "max_concurrent_tasks=8"]);
      await waitFor(async () => (await poolStats()).acquired - before.acquired >= 3, 20_000, "sandboxes in use").catch((err: unknown) => {
        throw new Error(`${String(err)}\n${run.result.stderr()}\n${agents[0]!.stderr()}`);
      });
      const rowsAtKill = readJsonl(run.out).length;
      await agents[0]!.kill9();
      const r = await run.result.result;
      expect(r.code, r.stderr).toBe(0);
      const rows = readJsonl(run.out);
      expect(exactlyOnce(rows, readTasks("retail").slice(0, limit).map((t) => `${(t as { id: string }).id}:0`))).toEqual({ duplicates: [], missing: [] });
      expect(new Set(Object.values(rewards(run.out)))).toEqual(new Set([1]));
      // Leases acquired by hops that died with the agent are reclaimed by the host's TTL sweep.
      await until(() => sandboxDirs().length === 0, (TTL_S + 3) * 1000, "orphaned leases expired");
      const after = await poolStats();
      expect(after).toMatchObject({ live: 0, released: after.acquired });
      expect(bwrapProcesses()).toEqual([]);
      // The agent died with tasks in flight, after it had served some.
      expect(rowsAtKill).toBeLessThan(limit);
      expect(agents[0]!.stderr()).toContain("serving run");
    } finally {
      await stopAgents(agents);
    }
  }, 50_000);

  it("sandbox nats - SIGTERM to the service manager kills running execs and destroys every sandbox", async () => {
    const lease = await tools.acquire("long:0");
    const exec = tools.exec(lease.id, ["sleep", "30"], { timeout_s: 60 }).then(
      (r) => r,
      (err: unknown) => err,
    );
    await until(() => bwrapProcesses().length > 0, 5_000, "sandboxed sleep running");
    const started = Date.now();
    manager.child.kill("SIGTERM");
    const res = await manager.result;
    expect(res.code, res.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await exec).toMatchObject({ exit_code: null });
    expect(bwrapProcesses()).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
    expect(res.stderr).toContain("sandbox pool closed with live leases");
  }, 20_000);
});
