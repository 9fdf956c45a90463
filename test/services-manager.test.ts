// End to end: `matrix service-manager` runs 2 fake vLLM replicas, registers them, restarts a killed one, stops cleanly.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { createLlmResource } from "../services/llm/client.ts";
import { LlmResourceInput, compileLlmResource } from "../services/llm/config.ts";
import type { LlmResource } from "../services/llm/types.ts";
import { pidAlive } from "../services/manager/adapter/process.ts";
import { RegistryWatch, openRegistryBucket } from "../services/registry/mod.ts";
import { startMatrix, tempDir, until } from "./helpers/cli.ts";
import { createFakeEngines, type FakeEngines } from "./helpers/fake-engines.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

const NS = `svc${process.pid}`;
let nats: NatsServer;
let nc: NatsConnection;
let watch: RegistryWatch;
let tmp: ReturnType<typeof tempDir>;
let fakes: FakeEngines;
let manager: ReturnType<typeof startMatrix>;
let llm: LlmResource;

const services = (dir: string) => `
namespace: ${NS}
log_dir: ${join(dir, "logs")}
advertise_host: 127.0.0.1
gpus: [0, 1]
heartbeat_s: 1
ttl_s: 5
services:
  - name: llama8b
    engine: vllm
    model: meta-llama/Llama-3.1-8B-Instruct
    served_model_name: llama8b
    replicas: 2
    gpus_per_replica: 1
    port: 0
    bind_host: 127.0.0.1
    readiness_timeout_s: 60
    stop_grace_s: 5
    restart: { backoff_initial_s: 0.2, backoff_max_s: 1, fast_crash_s: 1, max_fast_crashes: 3 }
`;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url);
  watch = await RegistryWatch.start(await openRegistryBucket(nc, { namespace: NS }));
  tmp = tempDir("matrix-services-");
  // Every request takes 800 ms, so calls are still in flight when a replica is killed.
  fakes = createFakeEngines(tmp.dir, ["--set", "fixed_latency_ms=800", "--set", "output_len.dist=fixed", "--set", "output_len.value=8"]);
  const yaml = join(tmp.dir, "services.yaml");
  writeFileSync(yaml, services(tmp.dir));
  manager = startMatrix(["service-manager", "--nats", nats.url, "--config", yaml, "--metrics-port", "0"], { env: { PATH: fakes.path } });
  const config = compileLlmResource("chat", v.parse(LlmResourceInput, { service: "llama8b", max_retries: 4, backoff: { initial_ms: 20, max_ms: 200 } }));
  llm = createLlmResource(config, { replicas: watch });
});

afterAll(async () => {
  if (manager !== undefined && manager.child.exitCode === null) {
    manager.child.kill("SIGKILL");
    for (const c of fakes.calls()) if (pidAlive(c.pid)) process.kill(-c.pid, "SIGKILL");
  }
  await watch?.close();
  await nc?.close();
  await nats?.stop();
  tmp?.dispose();
});

const ask = (key: string) => llm.chat({ messages: [{ role: "user", content: `question of ${key}` }] }, { key });

describe("services - service manager with fake vLLM engines", () => {
  it("services - two replicas start with the vLLM flags, distinct GPUs, and register", async () => {
    await until(() => watch.entries("llama8b").length === 2, 60_000, `2 registered replicas (manager said: ${manager.stderr()})`);
    const calls = fakes.calls();
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.gpus))).toEqual(new Set(["0", "1"]));
    for (const c of calls) {
      expect(c.engine).toBe("vllm");
      expect(c.args.slice(0, 4)).toEqual(["serve", "meta-llama/Llama-3.1-8B-Instruct", "--host", "127.0.0.1"]);
      const flags = c.args.join(" ");
      expect(flags).toContain("--served-model-name llama8b --max-model-len 131072 --gpu-memory-utilization 0.8");
      expect(flags).toContain("--enable-prefix-caching --enable-auto-tool-choice --tool-call-parser llama3_json");
    }
    const entries = watch.entries("llama8b");
    expect(new Set(entries.map((e) => e.pid))).toEqual(new Set(calls.map((c) => c.pid)));
    expect(new Set(entries.map((e) => e.url)).size).toBe(2);
    expect(entries[0]).toMatchObject({ model: "llama8b", engine: "vllm", host: "127.0.0.1", max_ongoing_requests: 150 });
  });

  it("services - a client resolves the service through the registry and uses both replicas", async () => {
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => ask(`warm-${i}`)));
    expect(new Set(results.map((r) => r.url))).toEqual(new Set(watch.entries("llama8b").map((e) => e.url)));
  });

  it("services - kill -9 of one engine: in-flight calls finish on the other replica and the manager restarts it", async () => {
    const [victim, survivor] = watch.entries("llama8b");
    const inFlight = Array.from({ length: 24 }, (_, i) => ask(`task-${i}`));
    await new Promise((r) => setTimeout(r, 300));
    process.kill(victim!.pid!, "SIGKILL");
    const results = await Promise.all(inFlight);
    expect(results).toHaveLength(24);
    const retried = results.filter((r) => r.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    for (const r of retried) expect(r.url).toBe(survivor!.url);
    // The manager notices the exit, deregisters, and starts a new engine process that registers again.
    await until(() => fakes.calls().length === 3, 30_000, "a third engine start");
    await until(() => watch.entries("llama8b").length === 2 && watch.entries("llama8b").every((e) => e.pid !== victim!.pid), 60_000, "the restarted replica registered");
    const again = await Promise.all(Array.from({ length: 16 }, (_, i) => ask(`after-${i}`)));
    expect(new Set(again.map((r) => r.url)).size).toBe(2);
    const port = /metrics on port (\d+)/.exec(manager.stderr())?.[1];
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/matrix_service_replica_restarts_total\{[^}]*\} 1/);
  });

  it("services - SIGTERM deregisters every replica and leaves no engine process behind", async () => {
    const pids = fakes.calls().map((c) => c.pid);
    manager.child.kill("SIGTERM");
    const r = await manager.result;
    expect(r.code, r.stderr).toBe(0);
    for (const pid of pids) expect(pidAlive(pid), `engine pid ${pid}`).toBe(false);
    await until(() => watch.entries("llama8b").length === 0, 5_000, "no registered replica");
  });
});
