// NatsBus on a real 3-node JetStream cluster: an R3 work stream survives kill -9 of its leader.
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats } from "../runtime/adapter/nats.ts";
import { NatsBus, type NatsBusOptions } from "../runtime/bus/nats.ts";
import { startNatsCluster, type NatsCluster } from "./helpers/nats-server.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond`; an API call that fails while the cluster elects new leaders counts as "not yet". */
async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met in time${last ? ` (last error: ${String(last)})` : ""}`);
    await sleep(50);
  }
}

/** Calls `fn` until it answers: an API call made while the cluster elects leaders (or a node rejoins) may time out. */
async function retrying<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() - start > timeoutMs) throw err;
      await sleep(100);
    }
  }
}

let cluster: NatsCluster;

beforeAll(async () => {
  cluster = await startNatsCluster(3);
});

afterAll(async () => {
  await cluster?.stop();
});

async function openBus(opts: NatsBusOptions): Promise<NatsBus> {
  const nc = await connectNats(cluster.urls, { name: "bus-nats cluster test", reconnectTimeWaitMs: 100 });
  return new NatsBus(nc, { ownsConnection: true, ...opts });
}

/** Publishes and consumes 300 hops on an R3 bus and kills -9 the leader of the stream or of the role's consumer mid-way. */
async function survivesLeaderKill(victim: "stream" | "consumer"): Promise<void> {
  const ns = `c${process.pid}_${victim}`;
  const opts: NatsBusOptions = { namespace: ns, replicas: 3, ackWaitMs: 2_000, pullExpiresMs: 1_500, apiTimeoutMs: 2_000 };
  const buses = [await openBus(opts), await openBus(opts)];
  // Pull requests during the failover: a refused pull must pause, not spin.
  const spy = await connectNats(cluster.urls, { name: "pull spy", reconnectTimeWaitMs: 100 });
  try {
    // The previous test's killed node may still be rejoining: set-up calls ride out its election too.
    await retrying(() => buses[0]!.ready());
    const stream = buses[0]!.names.stream;
    const durable = buses[0]!.names.durable("wf", "r");
    const jsm = await retrying(() => jetstreamManager(buses[0]!.nc));
    expect((await retrying(() => jsm.streams.info(stream))).config.num_replicas).toBe(3);
    let pulls = 0;
    spy.subscribe(`$JS.API.CONSUMER.MSG.NEXT.${stream}.>`, { callback: () => void pulls++ });
    await spy.flush();

    const seen = new Map<string, number>();
    for (const bus of buses) {
      bus.consume("wf", "r", {
        concurrency: 8,
        handler: async (d) => {
          const key = dec(d.data);
          seen.set(key, (seen.get(key) ?? 0) + 1);
          await sleep(2);
          await d.ack();
        },
      });
    }

    const total = 300;
    const killAt = 100;
    let killed = "";
    const started = Date.now();
    for (let i = 0; i < total; i += 10) {
      if (i === killAt) {
        const leader = victim === "stream" ? await cluster.leaderOf(stream) : await cluster.leaderOf(stream, durable);
        killed = leader.name;
        await leader.kill9();
      }
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => buses[(i + j) % 2]!.publish("wf", "r", enc(`m${i + j}`), { id: `run/t${i + j}/0` })),
      );
    }
    const publishedMs = Date.now() - started;
    await until(() => seen.size === total, 60_000);
    const deliveredMs = Date.now() - started;

    // Every hop acked in the end: a delivery whose ack died with the leader comes back and is acked then.
    const live = buses.find((b) => !b.nc.isClosed())!;
    // No API check on creation: the meta leader may still be moving after the kill.
    const liveJsm = await jetstreamManager(live.nc, { checkAPI: false });
    await until(async () => (await liveJsm.streams.info(stream)).state.messages === 0, 30_000);

    const newLeader = victim === "stream" ? await cluster.leaderOf(stream) : await cluster.leaderOf(stream, durable);
    expect(newLeader.name).not.toBe(killed);
    expect([...seen.keys()].sort()).toEqual(Array.from({ length: total }, (_, i) => `m${i}`).sort());
    const redelivered = [...seen.values()].filter((n) => n > 1).length;
    console.log(
      `nats cluster: ${total} hops, ${victim} leader ${killed} killed after ${killAt}; published in ${publishedMs} ms, ` +
        `all delivered in ${deliveredMs} ms, ${redelivered} redelivered, ${pulls} pull requests`,
    );
    expect(pulls).toBeLessThan(2 * total);
  } finally {
    await Promise.all(buses.map((b) => b.close()));
    await spy.close();
  }
}

describe("nats bus on a cluster", () => {
  it("nats cluster - an R3 bus keeps publishing and consuming after kill -9 of the stream leader; no hop is lost", async () => {
    await survivesLeaderKill("stream");
  });

  it("nats cluster - consumers keep pulling after kill -9 of their consumer's leader; no hop is lost", async () => {
    // The first test killed one node; this one needs all three for quorum after the next kill.
    for (const s of cluster.servers) if (s.process.exitCode !== null || s.process.signalCode !== null) await s.restart();
    await survivesLeaderKill("consumer");
  });
});
