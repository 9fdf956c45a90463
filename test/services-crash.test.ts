// The service manager in-process: a replica that keeps crashing is given up with its log tail; stop kills slow engines.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { ServiceManager, parseServicesFile, pidAlive, planReplicas } from "../services/manager/mod.ts";
import { openRegistryBucket, type KV } from "../services/registry/mod.ts";
import { tempDir, until } from "./helpers/cli.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

let nats: NatsServer;
let nc: NatsConnection;
let kv: KV;
let tmp: ReturnType<typeof tempDir>;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url);
  kv = await openRegistryBucket(nc, { namespace: `crash${process.pid}` });
  tmp = tempDir("matrix-crash-");
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  tmp?.dispose();
});

const plansOf = (service: Record<string, unknown>) =>
  planReplicas(parseServicesFile({ log_dir: join(tmp.dir, "logs"), services: [service] }), {
    manager_index: 0,
    hostname: "127.0.0.1",
    base_dir: tmp.dir,
    visible_gpus: undefined,
    matrix: [],
  });

describe("services - crashes and stops", () => {
  it("services - repeated fast crashes give the replica up with a clear error and the log tail", async () => {
    const plans = plansOf({
      name: "crashy",
      engine: "command",
      model: "none",
      command: ["sh", "-c", "echo 'CUDA out of memory on port {port}' >&2; exit 3"],
      port: 0,
      restart: { backoff_initial_s: 0.02, backoff_max_s: 0.05, max_fast_crashes: 3 },
    });
    const m = await ServiceManager.start({ plans, kv, heartbeat_ms: 1_000, manager: "test/0" });
    const errors = await m.finished;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^crashy replica 0: crashed 3 times in a row within 120 s of starting; giving up \(last: exit code 3\)/);
    expect(errors[0]).toMatch(/ends with:\n(.|\n)*CUDA out of memory on port \d+/);
    expect(m.replicas[0]!.restarts).toBe(2);
    await m.stop();
  });

  it("services - a missing executable is reported as such", async () => {
    const plans = plansOf({ name: "ghost", engine: "command", model: "none", command: ["/nonexistent/engine"], port: 0, restart: { policy: "never" } });
    const m = await ServiceManager.start({ plans, kv, heartbeat_ms: 1_000, manager: "test/0" });
    const [error] = await m.finished;
    expect(error).toBe('ghost replica 0: cannot start /nonexistent/engine: ENOENT (not found); restart policy "never"');
    await m.stop();
  });

  it("services - stop kills an engine that ignores SIGTERM, with the workers it forked", async () => {
    const plans = plansOf({
      name: "stubborn",
      engine: "command",
      model: "none",
      // Never becomes ready, ignores SIGTERM, and forks a worker into its process group.
      command: ["sh", "-c", `trap '' TERM; sleep 30 & echo $! > ${join(tmp.dir, "worker.pid")}; while true; do sleep 0.1; done`],
      port: 0,
      stop_grace_s: 0.3,
    });
    const m = await ServiceManager.start({ plans, kv, heartbeat_ms: 1_000, manager: "test/0" });
    // The shell creates the file before it writes the pid into it: wait for the whole number.
    const workerPid = () => (existsSync(join(tmp.dir, "worker.pid")) ? readFileSync(join(tmp.dir, "worker.pid"), "utf8") : "");
    await until(() => m.replicas[0]!.pid !== undefined && /^\d+\n$/.test(workerPid()), 5_000, "engine and worker started");
    const pid = m.replicas[0]!.pid!;
    await new Promise((r) => setTimeout(r, 50));
    const worker = Number(workerPid());
    expect(pidAlive(worker)).toBe(true);
    const t0 = Date.now();
    await m.stop();
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(pidAlive(pid)).toBe(false);
    expect(pidAlive(worker), "the forked worker").toBe(false);
    expect(m.replicas[0]!.state).toBe("stopped");
  });
});
