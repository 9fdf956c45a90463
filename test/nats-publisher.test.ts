// The JetStream publisher (acks on one shared reply subscription) and the connection's once-per-turn writes,
// against a real nats-server.
import { JetStreamApiError, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { errors, nanos } from "@nats-io/nats-core";
import { setImmediate } from "node:timers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { transient } from "../runtime/bus/nats.ts";
import { JetStreamPublisher } from "../runtime/bus/nats-publisher.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let server: NatsServer;
let nc: NatsConnection;
let streamSeq = 0;

/** A fresh stream on `<name>.>`; returns its name. */
async function freshStream(): Promise<string> {
  const name = `pub${process.pid}_${++streamSeq}`;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name, subjects: [`${name}.>`], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: nanos(60_000) });
  return name;
}

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: "publisher test" });
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

describe("JetStreamPublisher", () => {
  it("resolves with the stream's ack, and stores a message id once", async () => {
    const stream = await freshStream();
    const pub = JetStreamPublisher.for(nc);
    expect(JetStreamPublisher.for(nc)).toBe(pub);
    const first = await pub.publish(`${stream}.a`, enc("one"), { msgId: "run/t1/0", expectStream: stream, timeoutMs: 5_000 });
    expect(first).toMatchObject({ stream, seq: 1, duplicate: false });
    const again = await pub.publish(`${stream}.a`, enc("one again"), { msgId: "run/t1/0", expectStream: stream, timeoutMs: 5_000 });
    expect(again).toMatchObject({ stream, seq: 1, duplicate: true });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(stream)).state.messages).toBe(1);
    expect(pub.waiting).toBe(0);
  });

  it("answers thousands of concurrent publishes, each with its own ack", async () => {
    const stream = await freshStream();
    const pub = JetStreamPublisher.for(nc);
    const acks = await Promise.all(
      Array.from({ length: 3_000 }, (_, i) => pub.publish(`${stream}.b`, enc(`m${i}`), { msgId: `id${i}`, timeoutMs: 10_000 })),
    );
    expect(new Set(acks.map((a) => a.seq)).size).toBe(3_000);
    expect(acks.every((a) => !a.duplicate)).toBe(true);
    expect(pub.waiting).toBe(0);
  });

  it("rejects a message its expected stream does not hold with the stream's refusal (not retried)", async () => {
    const stream = await freshStream();
    const err = await JetStreamPublisher.for(nc)
      .publish(`${stream}.c`, enc("x"), { msgId: "x", expectStream: "some_other_stream", timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JetStreamApiError);
    expect((err as JetStreamApiError).status).toBe(400);
    expect(transient(err)).toBe(false);
  });

  it("refuses a message id that would break the header block, before anything is sent", async () => {
    const stream = await freshStream();
    const err = await JetStreamPublisher.for(nc)
      .publish(`${stream}.d`, enc("x"), { msgId: "run/t1\r\nNats-Expected-Stream: x/0", timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.InvalidArgumentError);
    expect(transient(err)).toBe(false);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(stream)).state.messages).toBe(0);
    expect(JetStreamPublisher.for(nc).waiting).toBe(0);
  });

  it("rejects a subject no stream listens on as no responders (retried: a stream may be electing its leader)", async () => {
    const err = await JetStreamPublisher.for(nc)
      .publish(`nostream${process.pid}.x`, enc("x"), { msgId: "x", timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.NoRespondersError);
    expect(transient(err)).toBe(true);
  });

  it("times out a publish nobody acks, within its timeout plus the sweep period", async () => {
    const subject = `silent${process.pid}.x`;
    // A plain subscriber takes the message and never answers.
    const sub = nc.subscribe(subject, { callback: () => {} });
    await nc.flush();
    const pub = JetStreamPublisher.for(nc);
    const t0 = Date.now();
    const err = await pub.publish(subject, enc("x"), { msgId: "x", timeoutMs: 300 }).catch((e: unknown) => e);
    const waited = Date.now() - t0;
    expect(err).toBeInstanceOf(errors.TimeoutError);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(2_000);
    expect(pub.waiting).toBe(0);
    sub.unsubscribe();
  });

  it("fails the publishes still waiting when the connection closes, and later ones at once", async () => {
    const own = await connectNats(server.url, { name: "publisher close test" });
    const subject = `silent${process.pid}.y`;
    own.subscribe(subject, { callback: () => {} });
    await own.flush();
    const pub = JetStreamPublisher.for(own);
    const waiting = pub.publish(subject, enc("x"), { msgId: "y", timeoutMs: 30_000 }).catch((e: unknown) => e);
    await sleep(50);
    await own.close();
    expect(await waiting).toBeInstanceOf(errors.ClosedConnectionError);
    const after = await pub.publish(subject, enc("x"), { msgId: "z", timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(errors.ClosedConnectionError);
    expect(transient(after)).toBe(false);
  });
});

describe("connection writes", () => {
  /** Counts the socket writes of a connection (the transport's `send`). */
  function countWrites(conn: NatsConnection): () => number {
    const transport = (conn as unknown as { protocol: { transport: { send(frame: Uint8Array): void } } }).protocol.transport;
    const send = transport.send.bind(transport);
    let n = 0;
    transport.send = (frame: Uint8Array) => {
      n++;
      send(frame);
    };
    return () => n;
  }

  it("sends what many callbacks of one turn publish in one write, and every message arrives", async () => {
    const own = await connectNats(server.url, { name: "writes test" });
    const subject = `writes${process.pid}`;
    let received = 0;
    const sub = nc.subscribe(subject, { callback: () => void received++ });
    await nc.flush();
    await own.flush();
    const writes = countWrites(own);
    // 200 separate events of one turn (as 200 LLM answers arriving on their sockets): a microtask checkpoint runs
    // after each, which is where the client writes by itself.
    await new Promise<void>((done) => {
      let left = 200;
      for (let i = 0; i < 200; i++)
        setImmediate(() => {
          own.publish(subject, enc(`m${i}`));
          if (--left === 0) setImmediate(done);
        });
    });
    expect(writes()).toBeLessThanOrEqual(2);
    await own.flush();
    await nc.flush();
    const start = Date.now();
    while (received < 200 && Date.now() - start < 5_000) await sleep(5);
    expect(received).toBe(200);
    sub.unsubscribe();
    await own.close();
  });

  it("writes a large burst without waiting for the end of the turn", async () => {
    const own = await connectNats(server.url, { name: "writes burst test" });
    const writes = countWrites(own);
    const big = new Uint8Array(64 * 1024);
    for (let i = 0; i < 8; i++) own.publish(`burst${process.pid}`, big);
    // 512 KiB published in one synchronous run: at least one write happened before the turn ended.
    expect(writes()).toBeGreaterThanOrEqual(1);
    await own.close();
  });

  it("writes what is pending before it closes", async () => {
    const own = await connectNats(server.url, { name: "writes close test" });
    const subject = `closing${process.pid}`;
    let received = 0;
    const sub = nc.subscribe(subject, { callback: () => void received++ });
    await nc.flush();
    for (let i = 0; i < 10; i++) own.publish(subject, enc(`m${i}`));
    await own.close();
    await nc.flush();
    const start = Date.now();
    while (received < 10 && Date.now() - start < 5_000) await sleep(5);
    expect(received).toBe(10);
    sub.unsubscribe();
  });
});
