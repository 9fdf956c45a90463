// End to end: `matrix run coral --nats` resolves llm.*.service through the registry of a service manager; one replica dies mid-run.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { pidAlive } from "../services/manager/adapter/process.ts";
import { RegistryWatch, openRegistryBucket } from "../services/registry/mod.ts";
import { readJsonl, startMatrix, tempDir, until } from "./helpers/cli.ts";
import { createFakeEngines, type FakeEngines } from "./helpers/fake-engines.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";


const NS = `e2e${process.pid}`;
let nats: NatsServer;
let nc: NatsConnection;
let watch: RegistryWatch;
let tmp: ReturnType<typeof tempDir>;
let fakes: FakeEngines;
let manager: ReturnType<typeof startMatrix> | undefined;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url);
  watch = await RegistryWatch.start(await openRegistryBucket(nc, { namespace: NS }));
  tmp = tempDir("matrix-e2e-registry-");
  fakes = createFakeEngines(tmp.dir, ["--set", "time_scale=20", "--set", "prefix_cache=true"]);
  const yaml = join(tmp.dir, "services.yaml");
  writeFileSync(
    yaml,
    `namespace: ${NS}
log_dir: ${join(tmp.dir, "logs")}
advertise_host: 127.0.0.1
heartbeat_s: 1
ttl_s: 5
services:
  - { name: llama8b, engine: vllm, model: meta-llama/Llama-3.1-8B-Instruct, served_model_name: llama8b, replicas: 2,
      gpus_per_replica: 0, port: 0, bind_host: 127.0.0.1, restart: { backoff_initial_s: 0.2 } }
`,
  );
  manager = startMatrix(["service-manager", "--nats", nats.url, "--config", yaml], { env: { PATH: fakes.path } });
  await until(() => watch.entries("llama8b").length === 2, 60_000, "2 registered replicas");
});

afterAll(async () => {
  if (manager !== undefined && manager.child.exitCode === null) {
    manager.child.kill("SIGTERM");
    await manager.result;
  }
  for (const c of fakes?.calls() ?? []) if (pidAlive(c.pid)) process.kill(-c.pid, "SIGKILL");
  await watch?.close();
  await nc?.close();
  await nats?.stop();
  tmp?.dispose();
});

describe("services - coral over the registry", () => {
  it("services - every task ends once and ok while one replica is killed mid-run", async () => {
    const out = join(tmp.dir, "coral.jsonl");
    const llm = ["agent_a", "agent_b"].flatMap((r) => [`llm.${r}.service=llama8b`, `llm.${r}.backoff.initial_ms=20`]);
    const run = startMatrix(["run", "coral", "--nats", nats.url, "--namespace", NS, "--local-agents", "1", "-q", `output.path=${out}`, "dataset.limit=120", ...llm]);
    await until(() => readJsonl(out).length >= 20, 60_000, "first rows");
    const victim = watch.entries("llama8b")[0]!;
    process.kill(victim.pid!, "SIGKILL");
    const r = await run.result;
    expect(r.code, r.stderr).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(120);
    expect(new Set(rows.map((x) => x.id)).size).toBe(120);
    expect(rows.filter((x) => x.status !== "ok")).toEqual([]);
    await until(() => watch.entries("llama8b").length === 2 && watch.entries("llama8b").every((e) => e.pid !== victim.pid), 60_000, "replica restarted");
  });
});
