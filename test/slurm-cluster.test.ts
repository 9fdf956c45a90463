// `matrix slurm` against a real single-node SLURM cluster, every job running the compiled binary.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildBinary, type BuiltBinary } from "./helpers/binary.ts";
import { readJsonl, ROOT, tempDir, until } from "./helpers/cli.ts";
import { freePort, natsServerBinary } from "./helpers/nats-server.ts";
import { startSlurmCluster, type SlurmCluster } from "./helpers/slurm-cluster.ts";

let bin: BuiltBinary;
let cluster: SlurmCluster;
const work = tempDir("matrix-slurm-test-");

beforeAll(async () => {
  [bin, cluster] = await Promise.all([buildBinary(), startSlurmCluster()]);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  bin?.dispose();
  work.dispose();
}, 60_000);

/** Runs the compiled `matrix` with the cluster's SLURM_CONF. */
function matrix(args: string[], cwd = work.dir, env: Record<string, string> = {}) {
  // The binary copies its built-in samples to the user's cache: keep that inside the test's directory.
  return execa(bin.exe, args, { cwd, env: { ...cluster.env, NO_COLOR: "1", XDG_CACHE_HOME: join(work.dir, "cache"), ...env }, reject: false, timeout: 120_000 });
}

type Status = {
  groups: { group: string; job_id: number; tasks: number; pending: number; running: number; failed: number; completed: number; cancelled: number }[];
  nats: { url?: string; reachable: boolean; replicas: Record<string, number>; agents?: number };
  gateway?: { url?: string; healthy: boolean; tokens_file: string };
};

async function status(runDir: string): Promise<Status> {
  const r = await matrix(["slurm", "status", "--json", "--run-dir", runDir]);
  if (r.exitCode !== 0) throw new Error(`status failed: ${r.stderr}`);
  return JSON.parse(String(r.stdout)) as Status;
}

async function waitFor(runDir: string, ok: (s: Status) => boolean, what: string, timeoutMs = 45_000): Promise<Status> {
  const start = Date.now();
  let last: Status | undefined;
  for (;;) {
    last = await status(runDir);
    if (ok(last)) return last;
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not reached in ${timeoutMs} ms: ${JSON.stringify(last)}\n${logsOf(runDir)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function logsOf(runDir: string): string {
  const out: string[] = [];
  for (const group of readdirSync(join(runDir, "logs"))) {
    for (const f of readdirSync(join(runDir, "logs", group))) out.push(`--- ${group}/${f}\n${readFileSync(join(runDir, "logs", group, f), "utf8").slice(-2000)}`);
  }
  return out.join("\n");
}

/** Processes whose command line mentions `needle` (the binary path, the run dir). */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes(needle) && Number(pid) !== process.pid) found.push(`${pid}: ${cmd}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Run dirs of deployments started by the tests: torn down after each test even when it failed. */
const started: string[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const runDir of started.splice(0)) await matrix(["slurm", "down", "--run-dir", runDir]);
});

async function deployment(name: string, extra: string): Promise<{ file: string; runDir: string }> {
  const dir = join(work.dir, name);
  const runDir = join(dir, "run");
  const [port, httpPort] = [await freePort(), await freePort()];
  const file = join(dir, "deploy.yaml");
  await execa("mkdir", ["-p", dir]);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      `binary: ${bin.exe}`,
      "run_dir: run",
      "nats:",
      "  start: true",
      `  binary: ${natsServerBinary()}`,
      `  port: ${port}`,
      `  http_port: ${httpPort}`,
      "  advertise: 127.0.0.1",
      `  store_dir: ${join(dir, "nats-store")}`,
      extra,
    ].join("\n"),
  );
  started.push(runDir);
  return { file, runDir };
}

describe("slurm cluster", () => {
  it("slurm - up starts NATS, 2 sim replicas, 2 agents and the gateway from the binary; 500 Coral tasks submitted with the token end once each; status; down leaves nothing", async () => {
    const services = join(work.dir, "services.yaml");
    // Short heartbeats register replicas within a second; the simulated GPU runs 1000x faster than real time.
    writeFileSync(services, 'heartbeat_s: 1\nttl_s: 3\nservices:\n  - { name: sim8b, engine: sim, model: sim-8b, port: 0, engine_args: ["--time-scale", "1000"] }\n');
    const gatewayPort = await freePort();
    const { file, runDir } = await deployment(
      "full",
      [
        "service_managers:",
        "  llm:",
        `    config: ${services}`,
        "    array: 2",
        "agents:",
        "  coral:",
        "    workflows: [coral]",
        "    array: 2",
        "    concurrency: 64",
        "gateway:",
        `  port: ${gatewayPort}`,
      ].join("\n"),
    );
    const up = await matrix(["slurm", "up", file]);
    expect(up.stderr).toBe("");
    expect(up.exitCode).toBe(0);
    expect(String(up.stdout)).toMatch(/submitted nats \(nats, 1 task\): job \d+\nsubmitted llm \(service-manager, 2 tasks\): job \d+\nsubmitted coral \(agent, 2 tasks\): job \d+\nsubmitted gateway \(gateway, 1 task\): job \d+/);
    expect(String(up.stdout)).toContain(`export MATRIX_TOKEN=$(cat ${join(runDir, "gateway.tokens")})`);
    const record = JSON.parse(readFileSync(join(runDir, "jobs.json"), "utf8")) as { jobs: { group: string; job_id: number }[] };
    expect(record.jobs.map((j) => j.group)).toEqual(["nats", "llm", "coral", "gateway"]);
    // The token is the deployment's secret: readable by its owner only.
    expect(statSync(join(runDir, "gateway.tokens")).mode & 0o777).toBe(0o600);
    const token = readFileSync(join(runDir, "gateway.tokens"), "utf8").trim();

    const s = await waitFor(
      runDir,
      (s) => s.groups.every((g) => g.running === g.tasks) && s.nats.reachable && s.nats.agents === 2 && s.nats.replicas.sim8b === 2 && s.gateway?.healthy === true,
      "all groups running, 2 agents and 2 replicas on NATS, the gateway healthy",
    );
    expect(s.nats.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    // Bound on every interface, advertised by host name: the URL other nodes use.
    const gateway = readFileSync(join(runDir, "gateway.url"), "utf8").trim();
    expect(gateway).toBe(`http://${hostname()}:${gatewayPort}`);
    expect(s.gateway?.url).toBe(gateway);
    expect((await fetch(`${gateway}/v1/jobs`)).status).toBe(401);

    const text = String((await matrix(["slurm", "status", "--run-dir", runDir])).stdout);
    expect(text).toMatch(/^llm\s+service-manager\s+\d+\s+2\s+0\s+2\s+0\s+0\s+0\s+0$/m);
    expect(text).toMatch(/^coral\s+agent\s+\d+\s+2\s+0\s+2\s+0\s+0\s+0\s+0$/m);
    expect(text).toMatch(/^gateway\s+gateway\s+\d+\s+1\s+0\s+1\s+0\s+0\s+0\s+0$/m);
    expect(text).toContain("replicas registered: sim8b 2; agent connections: 2");
    expect(text).toContain(`gateway: ${gateway} healthy; bearer tokens in ${join(runDir, "gateway.tokens")}`);

    // 500 distinct tasks from the sample questions, submitted inline; the agents call the registered replicas.
    const sample = readJsonl(join(ROOT, "workflows/coral/sample.jsonl"));
    const tasks = join(work.dir, "tasks500.jsonl");
    writeFileSync(tasks, Array.from({ length: 500 }, (_, i) => JSON.stringify({ ...sample[i % sample.length], id: `t${String(i).padStart(3, "0")}` })).join("\n") + "\n");
    const llm = ["agent_a", "agent_b"].map((r) => `llm.${r}.service=sim8b`);
    const env = { MATRIX_GATEWAY: gateway, MATRIX_TOKEN: token };
    const submit = await matrix(["submit", "coral", "--tasks", tasks, "--wait", "max_concurrent_tasks=256", "coral.max_turns=4", ...llm], work.dir, env);
    expect(submit.exitCode, `${submit.stderr}\n${logsOf(runDir)}`).toBe(0);
    const job = String(submit.stdout).trim().split("\n")[0]!;
    const out = join(work.dir, "full.jsonl");
    expect((await matrix(["results", job, "-o", out], work.dir, env)).exitCode).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(500);
    expect(new Set(rows.map((r) => r.task)).size).toBe(500);
    expect(rows.filter((r) => r.status === "error")).toEqual([]);
    // The agents called the two registered sim replicas (vLLM-style counters on each replica's /metrics).
    const replicas = [0, 1].map((i) => /replica ready.*?(http:\/\/\S+?)\/v1/.exec(readFileSync(join(runDir, "logs", "llm", `${i}.log`), "utf8"))?.[1]);
    const served = await Promise.all(replicas.map(async (u) => Number(/^vllm:request_success_total\{[^}]*\} (\d+)/m.exec(await (await fetch(`${u}/metrics`)).text())?.[1] ?? 0)));
    expect(served.every((n) => n > 0), String(served)).toBe(true);
    expect(served[0]! + served[1]!).toBeGreaterThanOrEqual(1000);

    expect((await matrix(["slurm", "logs", "gateway", "--run-dir", runDir])).stdout).toContain(`matrix: gateway listening at ${gateway}`);
    expect((await matrix(["slurm", "logs", "coral", "--index", "1", "--run-dir", runDir])).exitCode).toBe(0);
    expect((await matrix(["slurm", "logs", "nope", "--run-dir", runDir])).stderr).toContain('no group "nope"');

    const down = await matrix(["slurm", "down", "--run-dir", runDir]);
    expect(down.exitCode, String(down.stderr)).toBe(0);
    expect(String(down.stdout)).toContain("cancelled 4 jobs");
    expect((await cluster.run("squeue", ["--noheader"])).stdout.trim()).toBe("");
    await until(() => processesMentioning(bin.exe).length === 0 && processesMentioning(runDir).length === 0, 15_000, "no process of the deployment left");
    expect(existsSync(join(runDir, "gateway.url"))).toBe(false);
  });

  it("slurm - pre-emption: USR1 to one agent array task drains it, it exits 0 and requeues, and no task is lost", async () => {
    const { file, runDir } = await deployment("preempt", ["agents:", "  coral:", "    workflows: [coral]", "    array: 2", "    concurrency: 8"].join("\n"));
    expect((await matrix(["slurm", "up", file])).exitCode).toBe(0);
    const s = await waitFor(runDir, (s) => s.groups.every((g) => g.running === g.tasks) && s.nats.agents === 2, "agents running");
    const agents = s.groups.find((g) => g.group === "coral")!;

    const out = join(work.dir, "preempt.jsonl");
    const run = matrix(["run", "coral", "--nats", s.nats.url!, `output.path=${out}`, "dataset.limit=100", "sim.time_scale=40", "progress.mode=off"]);
    // A failed assertion must not leave the producer running.
    cleanups.push(() => run.kill("SIGKILL"));
    await until(() => readJsonl(out).length >= 10, 60_000, "first rows written");
    const sig = await cluster.run("scancel", ["--signal=USR1", "--batch", `${agents.job_id}_0`]);
    expect(sig.code, sig.stderr).toBe(0);
    const log0 = join(runDir, "logs", "coral", "0.log");
    await until(() => readFileSync(log0, "utf8").includes("matrix: agent exited with"), 60_000, "agent 0 drained");
    expect(readFileSync(log0, "utf8")).toContain("matrix: USR1: draining agent");
    expect(readFileSync(log0, "utf8")).toContain("matrix: agent exited with 0");

    const done = await run;
    expect(done.exitCode, String(done.stderr)).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.task)).size).toBe(100);
    expect(rows.filter((r) => r.status === "error")).toEqual([]);

    // The drained task asked to be requeued: SLURM counts a restart for it.
    const info = await cluster.run("scontrol", ["show", "job", "-o", `${agents.job_id}_0`]);
    expect(info.stdout).toMatch(/Restarts=1\b/);
    expect((await matrix(["slurm", "down", "--run-dir", runDir])).exitCode).toBe(0);
    expect((await cluster.run("squeue", ["--noheader"])).stdout.trim()).toBe("");
  }, 150_000);

  it("slurm - a broken deployment file fails before anything is submitted, naming the key", async () => {
    const cases: [string, RegExp][] = [
      [`binary: ${bin.exe}\nnats: { start: true }\nagents:\n  a: { workflows: [coral], array: 2, colour: red }\n`, /unknown key "agents\.a\.colour"/],
      [`binary: ${bin.exe}\nnats: { start: true }\nagents:\n  a: { workflows: [coral], array: -1 }\n`, /key "agents\.a\.array": must be at least 1, got -1/],
      [`binary: ${join(work.dir, "no-such-matrix")}\nnats: { start: true }\n`, /key "binary": .*no-such-matrix is not an executable file/],
      [`binary: ${bin.exe}\nnats: { start: true }\ngateway: { tokens_file: shared-tokens }\n`, /key "gateway\.tokens_file": .*shared-tokens is readable by other users/],
    ];
    writeFileSync(join(work.dir, "shared-tokens"), "s3cret-token-1\n", { mode: 0o644 });
    for (const [yaml, message] of cases) {
      const file = join(work.dir, "broken.yaml");
      writeFileSync(file, yaml);
      const r = await matrix(["slurm", "up", file]);
      expect(r.exitCode).toBe(2);
      expect(String(r.stderr)).toMatch(message);
      expect(String(r.stderr).trim().split("\n")).toHaveLength(1);
    }
    expect((await cluster.run("squeue", ["--noheader"])).stdout.trim()).toBe("");
  });
});
