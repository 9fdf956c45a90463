// Runs the bus contract suite against NatsBus on a real nats-server, plus the JetStream-specific behaviour.
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { NatsBus, type NatsBusOptions } from "../runtime/bus/nats.ts";
import { deliveryCount } from "../runtime/bus/nats-delivery.ts";
import { natsNames, subjectToken } from "../runtime/bus/nats-names.ts";
import type { BusEvent, Delivery } from "../runtime/bus/types.ts";
import { ResultStream } from "../runtime/results/stream.ts";
import { busContract } from "./bus-contract.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await sleep(5);
  }
}

/** Resolves on the connection's next reconnect. */
async function nextReconnect(nc: NatsConnection): Promise<void> {
  for await (const s of nc.status()) if (s.type === "reconnect") return;
}

let server: NatsServer;
let nsSeq = 0;
const freshNamespace = () => `t${process.pid}_${++nsSeq}`;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

/** A bus on its own connection (closed with the bus). */
async function openBus(opts: NatsBusOptions): Promise<NatsBus> {
  const nc = await connectNats(server.url, { name: "bus-nats test", reconnectTimeWaitMs: 100 });
  return new NatsBus(nc, { ownsConnection: true, ...opts });
}

busContract("nats", () => openBus({ namespace: freshNamespace(), unsettledRetryMs: 50 }));

describe("nats bus", () => {
  it("nats names - encodes unsafe workflow and role names into distinct, valid subject tokens", () => {
    expect(subjectToken("coral")).toBe("coral");
    expect(subjectToken("natural-reasoning_v2")).toBe("natural-reasoning_v2");
    expect(subjectToken("a.b")).toBe("a~2Eb");
    expect(subjectToken("w *>")).toBe("w~20~2A~3E");
    expect(subjectToken("~")).toBe("~7E");
    expect(subjectToken("é")).toBe("~C3~A9");
    expect(() => subjectToken("")).toThrow(/empty/);
    const n = natsNames("mx");
    expect(n.subject("a.b", "c")).toBe("mx.work.a~2Eb.c");
    expect(n.subject("a", "b.c")).not.toBe(n.subject("a.b", "c"));
    expect(n.durable("a", "b~~c")).not.toBe(n.durable("a~~b", "c"));
    expect(() => natsNames("m.x")).toThrow(/namespace/);
  });

  it("nats delivery - reads the delivery count from both ack subject layouts", () => {
    expect(deliveryCount("$JS.ACK.mx_work.wf~~r.3.10.12.1795674002784987657.0")).toBe(3);
    expect(deliveryCount("$JS.ACK.hub.ACCHASH.mx_work.wf~~r.2.10.12.1795674002784987657.0.rnd")).toBe(2);
    expect(() => deliveryCount("_INBOX.x.1")).toThrow(/ack subject/);
    expect(() => deliveryCount("$JS.ACK.mx_work.wf~~r.3.10")).toThrow(/ack subject/);
    expect(() => deliveryCount("$JS.ACK.mx_work.wf~~r.x.10.12.1795674002784987657.0")).toThrow(/bad delivery count/);
    expect(() => deliveryCount("$JS.ACK.mx_work.wf~~r.0.10.12.1795674002784987657.0")).toThrow(/bad delivery count/);
  });

  it("nats bus - keeps workflows and roles with dots, spaces and wildcards apart", async () => {
    const bus = await openBus({ namespace: freshNamespace() });
    try {
      const pairs: [string, string][] = [["a.b", "c"], ["a", "b.c"], ["w *", ">"], ["w", "*"]];
      const got = new Map<string, string[]>();
      for (const [wf, role] of pairs) {
        const key = `${wf}|${role}`;
        got.set(key, []);
        bus.consume(wf, role, { concurrency: 2, handler: async (d) => { got.get(key)!.push(dec(d.data)); await d.ack(); } });
      }
      for (const [wf, role] of pairs) await bus.publish(wf, role, enc(`${wf}|${role}`));
      await until(() => [...got.values()].every((v) => v.length === 1));
      await sleep(100);
      for (const [key, values] of got) expect(values).toEqual([key]);
    } finally {
      await bus.close();
    }
  });

  it("nats bus - stream, consumer and subject follow the namespace", async () => {
    const ns = freshNamespace();
    const bus = await openBus({ namespace: ns, duplicateWindowMs: 60_000, ackWaitMs: 7_000, maxDeliver: 4 });
    try {
      const c = bus.consume("wf", "solver", { concurrency: 1, handler: async (d) => d.ack() });
      await bus.publish("wf", "solver", enc("x"));
      const jsm = await jetstreamManager(bus.nc);
      await until(() => c.inFlight === 0);
      const si = await jsm.streams.info(`${ns}_work`);
      expect(si.config.subjects).toEqual([`${ns}.work.>`]);
      expect(si.config.retention).toBe("workqueue");
      expect(si.config.storage).toBe("file");
      expect(si.config.duplicate_window).toBe(60_000 * 1e6);
      const ci = await jsm.consumers.info(`${ns}_work`, "wf~~solver");
      expect(ci.config.filter_subject).toBe(`${ns}.work.wf.solver`);
      expect(ci.config.ack_policy).toBe("explicit");
      expect(ci.config.ack_wait).toBe(7_000 * 1e6);
      expect(ci.config.max_deliver).toBe(4);
      expect(ci.config.max_ack_pending).toBe(10_000);
    } finally {
      await bus.close();
    }
  });

  it("nats bus - a hop published twice with one id (two connections, across a server restart) is delivered once", async () => {
    const ns = freshNamespace();
    const a = await openBus({ namespace: ns });
    const b = await openBus({ namespace: ns });
    const consumerBus = await openBus({ namespace: ns });
    try {
      const events: BusEvent[] = [];
      a.on((e) => events.push(e));
      b.on((e) => events.push(e));
      await a.publish("wf", "r", enc("first"), { id: "run/task/1" });
      await b.publish("wf", "r", enc("second"), { id: "run/task/1" });
      // A crash of the server: dedup state comes back from the stored message.
      const reconnected = nextReconnect(a.nc);
      await server.kill9();
      await server.restart();
      // Publishing after the reconnect: a publish lost with the dead socket would time out and leave its ack ambiguous.
      await reconnected;
      await a.publish("wf", "r", enc("third"), { id: "run/task/1" });
      expect(events.map((e) => e.type)).toEqual(["published", "duplicate", "duplicate"]);
      const got: string[] = [];
      consumerBus.consume("wf", "r", { concurrency: 4, handler: async (d) => { got.push(dec(d.data)); await d.ack(); } });
      await until(() => got.length === 1);
      await sleep(300);
      expect(got).toEqual(["first"]);
    } finally {
      await Promise.all([a.close(), b.close(), consumerBus.close()]);
    }
  });

  it("nats bus - processes creating the work stream and the results stream at the same moment all succeed", async () => {
    for (let round = 0; round < 10; round++) {
      const ns = freshNamespace();
      const buses = await Promise.all(Array.from({ length: 16 }, () => openBus({ namespace: ns })));
      try {
        await Promise.all(buses.map((b) => b.ready()));
        await Promise.all(buses.map((b) => new ResultStream(b.nc, { namespace: ns }).ready()));
        const jsm = await jetstreamManager(buses[0]!.nc);
        expect((await jsm.streams.info(buses[0]!.names.stream)).config.name).toBe(buses[0]!.names.stream);
      } finally {
        await Promise.all(buses.map((b) => b.close()));
      }
    }
  });

  it("nats bus - consumers on two connections share a role's queue", async () => {
    const ns = freshNamespace();
    const buses = [await openBus({ namespace: ns }), await openBus({ namespace: ns })];
    try {
      const seen = new Map<string, number>();
      const per = [0, 0];
      buses.forEach((bus, i) =>
        bus.consume("wf", "r", {
          concurrency: 3,
          handler: async (d) => {
            per[i]!++;
            seen.set(dec(d.data), (seen.get(dec(d.data)) ?? 0) + 1);
            await sleep(5);
            await d.ack();
          },
        }),
      );
      await Promise.all(Array.from({ length: 60 }, (_, i) => buses[i % 2]!.publish("wf", "r", enc(String(i)), { id: `r/t${i}/0` })));
      await until(() => seen.size === 60);
      await sleep(200);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(per[0]! + per[1]!).toBe(60);
      expect(per[0]).toBeGreaterThan(0);
      expect(per[1]).toBeGreaterThan(0);
    } finally {
      await Promise.all(buses.map((b) => b.close()));
    }
  });

  it("nats bus - a hop whose process dies mid-handler goes to another consumer with attempt 2", async () => {
    const ns = freshNamespace();
    const crashing = await openBus({ namespace: ns, ackWaitMs: 1_000 });
    const survivor = await openBus({ namespace: ns, ackWaitMs: 1_000 });
    try {
      let crashedAt = 0;
      crashing.consume("wf", "r", {
        concurrency: 1,
        handler: async () => {
          // The process is gone: its connection closes and nothing is ever settled.
          await crashing.nc.close();
          crashedAt = Date.now();
        },
      });
      await survivor.publish("wf", "r", enc("job"));
      await until(() => crashedAt > 0);
      const got: { attempt: number; at: number; lastAttempt: boolean | undefined }[] = [];
      survivor.consume("wf", "r", {
        concurrency: 1,
        handler: async (d) => {
          got.push({ attempt: d.attempt, at: Date.now(), lastAttempt: d.lastAttempt });
          await d.ack();
        },
      });
      await until(() => got.length === 1, 10_000);
      expect(got[0]!.attempt).toBe(2);
      expect(got[0]!.lastAttempt).toBe(false);
      expect(got[0]!.at - crashedAt).toBeGreaterThanOrEqual(500);
      await sleep(200);
      expect(await survivor.depth("wf", "r")).toBe(0);
    } finally {
      await Promise.all([crashing.close(), survivor.close()]);
    }
  });

  it("nats bus - working() keeps a handler longer than ack_wait from being redelivered", async () => {
    const ns = freshNamespace();
    const opts = { namespace: ns, ackWaitMs: 600, autoWorking: false };
    const buses = [await openBus(opts), await openBus(opts)];
    try {
      const attempts: number[] = [];
      for (const bus of buses) {
        bus.consume("wf", "r", {
          concurrency: 1,
          handler: async (d) => {
            attempts.push(d.attempt);
            for (let i = 0; i < 10; i++) {
              await sleep(180);
              d.working();
            }
            await d.ack();
          },
        });
      }
      await buses[0]!.publish("wf", "r", enc("long"));
      await until(() => attempts.length === 1);
      await sleep(2_200);
      expect(attempts).toEqual([1]);
    } finally {
      await Promise.all(buses.map((b) => b.close()));
    }
  });

  it("nats bus - a long handler is kept alive automatically, and redelivered without working() when that is off", async () => {
    const run = async (autoWorking: boolean) => {
      const opts = { namespace: freshNamespace(), ackWaitMs: 500, autoWorking };
      const buses = [await openBus(opts), await openBus(opts)];
      const attempts: number[] = [];
      try {
        for (const bus of buses) {
          bus.consume("wf", "r", {
            concurrency: 1,
            handler: async (d) => {
              attempts.push(d.attempt);
              await sleep(1_600);
              await d.ack();
            },
          });
        }
        await buses[0]!.publish("wf", "r", enc("long"));
        await sleep(1_800);
      } finally {
        await Promise.all(buses.map((b) => b.close()));
      }
      return attempts;
    };
    const [auto, manual] = await Promise.all([run(true), run(false)]);
    expect(auto).toEqual([1]);
    expect(manual.slice(0, 2)).toEqual([1, 2]);
  });

  it("nats bus - the last allowed delivery is flagged, and an unsettled one gets a final delivery that removes it", async () => {
    const ns = freshNamespace();
    const bus = await openBus({ namespace: ns, maxDeliver: 2, ackWaitMs: 1_000, unsettledRetryMs: 50 });
    try {
      const seen: { attempt: number; lastAttempt: boolean | undefined }[] = [];
      const events: string[] = [];
      bus.on((e) => events.push(e.type === "failed" ? `failed:${e.reason}` : e.type));
      bus.consume("wf", "r", {
        concurrency: 2,
        handler: async (d: Delivery) => {
          seen.push({ attempt: d.attempt, lastAttempt: d.lastAttempt });
          // A handler that keeps giving the hop back, until the bus says no delivery will follow.
          if (d.attempt <= 2) throw new Error("still failing");
          await d.fail("gave up");
        },
      });
      await bus.publish("wf", "r", enc("poison"));
      await until(() => events.includes("failed:gave up"), 15_000);
      expect(seen).toEqual([
        { attempt: 1, lastAttempt: false },
        { attempt: 2, lastAttempt: true },
        { attempt: 3, lastAttempt: true },
      ]);
      const jsm = await jetstreamManager(bus.nc);
      expect((await jsm.streams.info(`${ns}_work`)).state.messages).toBe(0);
    } finally {
      await bus.close();
    }
  });

  it("nats bus - a hop whose process dies on its last attempt gets a final delivery in another process", async () => {
    const ns = freshNamespace();
    const opts = { namespace: ns, ackWaitMs: 1_000, maxDeliver: 1 };
    const crashing = await openBus(opts);
    const survivor = await openBus(opts);
    try {
      let crashed = false;
      let firstWasLast: boolean | undefined;
      crashing.consume("wf", "r", {
        concurrency: 1,
        handler: async (d) => {
          firstWasLast = d.lastAttempt;
          await crashing.nc.close();
          crashed = true;
        },
      });
      await survivor.publish("wf", "r", enc("job"));
      await until(() => crashed);
      const got: { attempt: number; lastAttempt: boolean | undefined; data: string }[] = [];
      let settled = false;
      survivor.consume("wf", "r", {
        concurrency: 1,
        handler: async (d) => {
          got.push({ attempt: d.attempt, lastAttempt: d.lastAttempt, data: dec(d.data) });
          await d.fail("error row written");
          settled = true;
        },
      });
      await until(() => settled, 10_000);
      expect(firstWasLast).toBe(true);
      expect(got).toEqual([{ attempt: 2, lastAttempt: true, data: "job" }]);
      const jsm = await jetstreamManager(survivor.nc);
      expect((await jsm.streams.info(`${ns}_work`)).state.messages).toBe(0);
    } finally {
      await Promise.all([crashing.close(), survivor.close()]);
    }
  });

  it("nats bus - a hop settled on its last attempt is not delivered again", async () => {
    const bus = await openBus({ namespace: freshNamespace(), maxDeliver: 2, unsettledRetryMs: 50 });
    try {
      const seen: number[] = [];
      bus.consume("wf", "r", {
        concurrency: 1,
        handler: async (d) => {
          seen.push(d.attempt);
          if (d.lastAttempt) await d.fail("error row written");
          else await d.retry(10);
        },
      });
      await bus.publish("wf", "r", enc("x"));
      await until(() => seen.length === 2);
      await sleep(1_000);
      expect(seen).toEqual([1, 2]);
      expect(await bus.depth("wf", "r")).toBe(0);
    } finally {
      await bus.close();
    }
  });

  it("nats bus - a role whose durable consumer was deleted gets it back and keeps consuming", async () => {
    const ns = freshNamespace();
    const bus = await openBus({ namespace: ns, pullExpiresMs: 1_000 });
    try {
      const got: string[] = [];
      bus.consume("wf", "r", { concurrency: 2, handler: async (d) => { got.push(dec(d.data)); await d.ack(); } });
      await bus.publish("wf", "r", enc("before"));
      await until(() => got.length === 1);
      const jsm = await jetstreamManager(bus.nc);
      await jsm.consumers.delete(`${ns}_work`, "wf~~r");
      await bus.publish("wf", "r", enc("after"));
      await until(() => got.length === 2, 15_000);
      expect(got).toEqual(["before", "after"]);
    } finally {
      await bus.close();
    }
  });

  it("nats bus - close() lets in-flight handlers publish their next hop and ack", async () => {
    const ns = freshNamespace();
    const bus = await openBus({ namespace: ns });
    const observer = await openBus({ namespace: ns });
    try {
      const errors: unknown[] = [];
      const c = bus.consume("wf", "a", {
        concurrency: 2,
        handler: async (d) => {
          try {
            await sleep(200);
            await bus.publish("wf", "b", d.data, { id: `run/${dec(d.data)}/1` });
            await d.ack();
          } catch (err) {
            errors.push(err);
          }
        },
      });
      await bus.publish("wf", "a", enc("t1"));
      await bus.publish("wf", "a", enc("t2"));
      await until(() => c.inFlight === 2);
      await bus.close();
      expect(errors).toEqual([]);
      expect(await observer.depth("wf", "b")).toBe(2);
      expect(await observer.depth("wf", "a")).toBe(0);
    } finally {
      await Promise.all([bus.close(), observer.close()]);
    }
  });

  it("nats bus - close() leaves a connection it does not own open", async () => {
    const nc = await connectNats(server.url);
    const bus = new NatsBus(nc, { namespace: freshNamespace() });
    bus.consume("wf", "r", { concurrency: 1, handler: async (d) => d.ack() });
    await bus.publish("wf", "r", enc("x"));
    await bus.close();
    expect(nc.isClosed()).toBe(false);
    await expect(bus.publish("wf", "r", enc("y"))).rejects.toThrow(/closed/);
    await nc.close();
  });

  it("nats bus - hop throughput: publish, consume, publish the next hop, ack", async () => {
    const ns = freshNamespace();
    const bus = await openBus({ namespace: ns });
    // Counts JetStream API traffic of this namespace: setup calls are a constant, pulls are shared by many hops.
    const spy = await connectNats(server.url, { name: "api spy" });
    let apiCalls = 0;
    let pulls = 0;
    spy.subscribe("$JS.API.>", {
      callback: (_err, m) => {
        if (!m.subject.includes(`${ns}_work`)) return;
        if (m.subject.startsWith("$JS.API.CONSUMER.MSG.NEXT.")) pulls++;
        else apiCalls++;
      },
    });
    await spy.flush();
    try {
      const hops = 2_000;
      const payload = new Uint8Array(2_048);
      let done = 0;
      bus.consume("wf", "a", {
        concurrency: 64,
        handler: async (d) => {
          await bus.publish("wf", "b", d.data, { id: `run/${d.attempt}/${done}/${Math.random()}` });
          await d.ack();
        },
      });
      bus.consume("wf", "b", { concurrency: 64, handler: async (d) => { done++; await d.ack(); } });
      const start = performance.now();
      const batch = 200;
      for (let i = 0; i < hops; i += batch) {
        await Promise.all(Array.from({ length: batch }, (_, j) => bus.publish("wf", "a", payload, { id: `run/t${i + j}/0` })));
      }
      await until(() => done === hops, 30_000);
      const ms = performance.now() - start;
      // Two hops per task (a -> b -> done): each costs a publish ack, a pull share and an ack confirmation.
      await spy.flush();
      console.log(
        `nats bus: ${hops} tasks x 2 hops in ${ms.toFixed(0)} ms (${((2 * hops) / (ms / 1000)).toFixed(0)} hops/s), ` +
          `${apiCalls} API calls, ${pulls} pull requests`,
      );
      expect(done).toBe(hops);
      // Stream create + one consumer create per role: nothing per message.
      expect(apiCalls).toBeLessThanOrEqual(4);
      expect(pulls).toBeLessThan(2 * hops);
    } finally {
      await bus.close();
      await spy.close();
    }
  });
});
