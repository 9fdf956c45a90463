// The service registry on a real nats-server: register, heartbeat, deregister, expiry, and a client resolving through it.
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { createLlmResource } from "../services/llm/client.ts";
import { LlmResourceInput, compileLlmResource } from "../services/llm/config.ts";
import { Registrar, RegistryWatch, openRegistryBucket, registryKey, type KV } from "../services/registry/mod.ts";
import { startSimServer, type SimServer } from "../services/sim/mod.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

let nats: NatsServer;
let nc: NatsConnection;
let kv: KV;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectNats(nats.url);
  kv = await openRegistryBucket(nc, { namespace: `t${process.pid}` });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const until = async (cond: () => boolean, what: string, ms = 5_000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const entry = (service: string, replica: string, url: string, model = "m") => ({
  service,
  model,
  url,
  replica,
  engine: "sim",
  host: "127.0.0.1",
  started: new Date().toISOString(),
  load: null,
  max_ongoing_requests: 0,
});

describe("registry - KV", () => {
  it("registry - entries register, heartbeat with fresh load, and deregister", async () => {
    const watch = await RegistryWatch.start(kv);
    let load = 0;
    const reg = new Registrar(kv, { heartbeat_ms: 50, refresh: async () => ({ load: ++load }) });
    const changes: number[] = [];
    const unsub = watch.replicas("svc-a").subscribe((ts) => changes.push(ts.length));
    const k0 = await reg.register(entry("svc-a", "host.0", "http://h:1/v1"));
    await reg.register(entry("svc-a", "host.1", "http://h:2/v1"));
    await reg.register(entry("svc-b", "host.0", "http://h:3/v1"));
    expect(k0).toBe(registryKey("svc-a", "host.0"));
    await until(() => watch.entries("svc-a").length === 2 && watch.entries("svc-b").length === 1, "three entries");
    await until(() => (watch.entries("svc-a")[0]?.load ?? 0) >= 2, "heartbeat load");
    expect(watch.replicas("svc-a").current().map((t) => t.url)).toEqual(["http://h:1/v1", "http://h:2/v1"]);
    // Load-only heartbeats do not disturb subscribers: one notification per membership change.
    expect(changes).toEqual([1, 2]);
    await reg.deregister(k0);
    await until(() => watch.entries("svc-a").length === 1, "deregistered");
    await reg.close();
    await until(() => watch.entries().length === 0, "all deregistered on close");
    unsub();
    await watch.close();
  });

  it("registry - an entry whose heartbeat stops expires from readers", async () => {
    const watch = await RegistryWatch.start(kv, { prune_ms: 20 });
    await kv.put(registryKey("svc-c", "lost"), JSON.stringify({ ...entry("svc-c", "lost", "http://h:9/v1"), heartbeat_ms: 40 }));
    await until(() => watch.entries("svc-c").length === 1, "seen");
    await until(() => watch.entries("svc-c").length === 0, "expired", 2_000);
    await kv.delete(registryKey("svc-c", "lost"));
    await watch.close();
  });

  it("registry - a client resolves a service, sends each replica's model, and follows joins and leaves", async () => {
    const sims: SimServer[] = [];
    for (const model of ["model-one", "model-two"]) sims.push(await startSimServer({ options: { model, time_scale: 100, output_len: { dist: "fixed", value: 4 } } }));
    const watch = await RegistryWatch.start(kv);
    const reg = new Registrar(kv, { heartbeat_ms: 1_000 });
    try {
      const config = compileLlmResource("chat", v.parse(LlmResourceInput, { service: "svc-d", max_retries: 2, replica_wait_s: 10 }));
      const llm = createLlmResource(config, { replicas: watch });
      // Nothing registered yet: the call waits for a replica.
      const early = llm.chat({ messages: [{ role: "user", content: "first" }] }, { key: "t0" });
      await new Promise((r) => setTimeout(r, 100));
      await reg.register(entry("svc-d", "r0", sims[0]!.url, "model-one"));
      expect((await early).url).toBe(sims[0]!.url);
      await reg.register(entry("svc-d", "r1", sims[1]!.url, "model-two"));
      await until(() => watch.entries("svc-d").length === 2, "two replicas");
      const urls = new Set<string>();
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const r = await llm.chat({ messages: [{ role: "user", content: `q${i}` }] }, { key: `task-${i}` });
          urls.add(r.url);
        }),
      );
      // Each sim answers only its own model name (404 otherwise), so success means the right model went to each.
      expect(urls).toEqual(new Set([sims[0]!.url, sims[1]!.url]));
      expect(sims[0]!.engine.stats().errors + sims[1]!.engine.stats().errors).toBe(0);
      await reg.deregister(registryKey("svc-d", "r0"));
      await until(() => watch.entries("svc-d").length === 1, "one replica left");
      for (let i = 0; i < 10; i++) {
        expect((await llm.chat({ messages: [{ role: "user", content: `after ${i}` }] }, { key: `task-${i}` })).url).toBe(sims[1]!.url);
      }
      llm.close?.();
    } finally {
      await reg.close();
      await watch.close();
      for (const s of sims) await s.close();
    }
  });

  it("registry - a service with no replica fails the call after replica_wait_s as retryable", async () => {
    const watch = await RegistryWatch.start(kv);
    const config = compileLlmResource("x", v.parse(LlmResourceInput, { service: "nobody", max_retries: 1, replica_wait_s: 0.05, backoff: { initial_ms: 1, max_ms: 1 } }));
    const llm = createLlmResource(config, { replicas: watch });
    await expect(llm.chat({ messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ code: "llm_unavailable", retryable: true });
    await watch.close();
  });

  it("registry - a service resource without the registry, or with a url too, is a config error", () => {
    expect(() => createLlmResource(compileLlmResource("y", v.parse(LlmResourceInput, { service: "s" })))).toThrow(/llm\.y\.service needs the service registry/);
    expect(() => compileLlmResource("z", v.parse(LlmResourceInput, { service: "s", url: "http://h/v1" }))).toThrow(/llm\.z\.service: set either url or service/);
  });
});
