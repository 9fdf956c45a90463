// Faults from 2 simulated replicas (5% errors, 5% 429 with Retry-After, latency spikes): every call and every Coral task succeeds.
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../workflows/mod.ts";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { loadRunConfig } from "../runtime/config/load.ts";
import { silentLogger } from "../runtime/log.ts";
import { runEmbedded } from "../runtime/modes/run.ts";
import { getWorkflow, listWorkflows } from "../runtime/workflow.ts";
import { createLlmResource } from "../services/llm/client.ts";
import { LlmResourceInput, compileLlmResource } from "../services/llm/config.ts";
import { Registrar, RegistryWatch, openRegistryBucket } from "../services/registry/mod.ts";
import { startSimServer, type SimServer } from "../services/sim/mod.ts";
import { readJsonl, tempDir } from "./helpers/cli.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

const FAULTS = { error_rate: 0.05, rate_429: 0.05, retry_after_s: 1, spike_rate: 0.05, spike_ms: 20_000, time_scale: 200 };

let sims: SimServer[] = [];
let nats: NatsServer;
let nc: NatsConnection;

beforeAll(async () => {
  sims = [];
  for (let i = 0; i < 2; i++) sims.push(await startSimServer({ options: { ...FAULTS, seed: i + 1, model: "sim" } }));
  nats = await startNatsServer();
  nc = await connectNats(nats.url);
});

afterAll(async () => {
  for (const s of sims) await s.close();
  await nc?.close();
  await nats?.stop();
});

describe("services - faults across replicas", () => {
  it("services - 1,000 calls through the registry all succeed by retrying", async () => {
    const kv = await openRegistryBucket(nc, { namespace: `faults${process.pid}` });
    const reg = new Registrar(kv, { heartbeat_ms: 5_000 });
    const watch = await RegistryWatch.start(kv);
    for (const [i, s] of sims.entries()) {
      await reg.register({ service: "flaky", model: "sim", url: s.url, replica: `r${i}`, engine: "sim", host: "127.0.0.1", started: new Date().toISOString(), load: null, max_ongoing_requests: 64 });
    }
    const llm = createLlmResource(compileLlmResource("flaky", v.parse(LlmResourceInput, { service: "flaky", backoff: { initial_ms: 10, max_ms: 200 } })), { replicas: watch });
    const before = sims.map((s) => s.engine.stats().errors);
    const results = await Promise.allSettled(
      Array.from({ length: 1_000 }, (_, i) => llm.chat({ messages: [{ role: "user", content: `call ${i}` }], sampling: { max_tokens: 16 } }, { key: `task-${i % 250}` })),
    );
    const failed = results.filter((r) => r.status === "rejected");
    expect(failed, String((failed[0] as PromiseRejectedResult | undefined)?.reason)).toHaveLength(0);
    const injected = sims.reduce((n, s, i) => n + s.engine.stats().errors - before[i]!, 0);
    expect(injected).toBeGreaterThan(50);
    for (const s of sims) expect(s.engine.stats().completed).toBeGreaterThan(100);
    await reg.close();
    await watch.close();
  });

  it("services - a 1,000-task Coral run over both faulty replicas ends with every task ok", async () => {
    const tmp = tempDir("matrix-coral-faults-");
    try {
      const urls = sims.map((s) => s.url).join(",");
      const config = loadRunConfig({
        target: "coral",
        overrides: [
          `output.path=${tmp.dir}/coral.jsonl`,
          "dataset.limit=200",
          "trials=5",
          "coral.max_turns=6",
          "max_concurrent_tasks=200",
          "progress.mode=off",
          ...["agent_a", "agent_b", "extractor"].flatMap((r) => [`llm.${r}.url=[${urls}]`, `llm.${r}.backoff.initial_ms=10`, `llm.${r}.backoff.max_ms=200`]),
        ],
        cwd: tmp.dir,
        getWorkflow,
        listWorkflows: () => listWorkflows().map((w) => w.name),
      });
      const summary = await runEmbedded(config, { log: silentLogger });
      const rows = readJsonl(`${tmp.dir}/coral.jsonl`);
      expect(rows).toHaveLength(1_000);
      expect(new Set(rows.map((r) => `${String(r.id)}/${String(r.trial)}`)).size).toBe(1_000);
      expect(summary.error).toBe(0);
      expect(rows.filter((r) => r.status !== "ok")).toEqual([]);
    } finally {
      tmp.dispose();
    }
  });
});
