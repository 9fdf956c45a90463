// NatsBlobStore on a real nats-server: idempotent put, get, delete, and the offload walk over an envelope.
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { offload, releaseRefs, resolveAll } from "../runtime/message/blobs.ts";
import { NatsBlobStore } from "../runtime/message/blobs-nats.ts";
import { ENVELOPE_VERSION, type Envelope } from "../runtime/message/envelope.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

let server: NatsServer;
let nc: NatsConnection;
let seq = 0;
const fresh = () => new NatsBlobStore(nc, { namespace: `b${process.pid}_${++seq}` });

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats(server.url, { name: "blobs-nats test" });
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

async function storedMessages(store: NatsBlobStore): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(`OBJ_${store.bucket}`)).state.messages;
}

function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe("nats blob store", () => {
  it("nats blobs - stores and reads keys with '/' and ':' under the namespace's bucket", async () => {
    const store = fresh();
    const key = "run-1/task%2F7/sha256:" + "ab".repeat(32);
    await store.put(key, bytes(20_000));
    expect(await store.get(key)).toEqual(bytes(20_000));
    expect(await store.get("run-1/other/sha256:00")).toBeUndefined();
    const jsm = await jetstreamManager(nc);
    const si = await jsm.streams.info(`OBJ_${store.bucket}`);
    expect(store.bucket).toMatch(/_blobs$/);
    expect(si.config.num_replicas).toBe(1);
  });

  it("nats blobs - a second put of an existing key writes nothing", async () => {
    const store = fresh();
    await store.put("r/t/sha256:1", bytes(1_000));
    const before = await storedMessages(store);
    await store.put("r/t/sha256:1", bytes(1_000));
    expect(await storedMessages(store)).toBe(before);
  });

  it("nats blobs - reads objects of several chunks and empty objects", async () => {
    const store = fresh();
    const big = bytes(300 * 1024, 7);
    await store.put("r/t/sha256:big", big);
    await store.put("r/t/sha256:empty", new Uint8Array(0));
    expect(await store.get("r/t/sha256:big")).toEqual(big);
    expect(await store.get("r/t/sha256:empty")).toEqual(new Uint8Array(0));
  });

  it("nats blobs - delete removes the object and leaves no record behind; deleting a missing key is fine", async () => {
    const store = fresh();
    await store.put("r/t/sha256:gone", bytes(5_000));
    await store.delete("r/t/sha256:gone");
    expect(await store.get("r/t/sha256:gone")).toBeUndefined();
    expect(await storedMessages(store)).toBe(0);
    await store.delete("r/t/sha256:never");
    // A deleted key can be stored again.
    await store.put("r/t/sha256:gone", bytes(10));
    expect(await store.get("r/t/sha256:gone")).toEqual(bytes(10));
  });

  it("nats blobs - offload, resolve and release an envelope's large fields", async () => {
    const store = fresh();
    const long = "x".repeat(40_000);
    const msg: Envelope = {
      v: ENVELOPE_VERSION,
      run: "run-1",
      task: "row/3#0",
      trial: 0,
      seed: 1,
      workflow: "inference",
      hop: 0,
      next: "solver",
      state: {},
      input: { prompt: long, id: 3 },
      history: [{ role: "solver", content: long + "!" }],
      leases: [],
      attempts: 0,
      created_at: 0,
      updated_at: 0,
    };
    await offload(msg, store, 16 * 1024);
    expect((msg.input as Record<string, unknown>).prompt).toMatchObject({ ref: expect.stringMatching(/^sha256:/) });
    const refs = await resolveAll(msg, store);
    expect(refs).toHaveLength(2);
    expect((msg.input as Record<string, unknown>).prompt).toBe(long);
    expect(msg.history[0]!.content).toBe(long + "!");
    await releaseRefs(msg, refs, store);
    expect(await storedMessages(store)).toBe(0);
  });
});
