// The agent host on the NATS bus: poison messages on the wire, and the bus's last delivery of a failing hop.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats } from "../runtime/adapter/nats.ts";
import { NatsBus, type NatsBusOptions } from "../runtime/bus/nats.ts";
import { RetryableError } from "../runtime/errors.ts";
import { AgentHost, publishHop, readDelivery, type RunBinding } from "../runtime/host.ts";
import { createLogger, type Logger } from "../runtime/log.ts";
import { MemoryBlobStore } from "../runtime/message/blobs.ts";
import { encode } from "../runtime/message/codec.ts";
import { SINK, type Envelope } from "../runtime/message/envelope.ts";
import { newEnvelope } from "../runtime/source.ts";
import type { WorkflowDefinition } from "../runtime/workflow.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";
import { oneRoleWorkflow } from "./wf-fixtures.ts";

let server: NatsServer;
let nsSeq = 0;
const freshNamespace = () => `h${process.pid}_${++nsSeq}`;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A one-role workflow whose handler is given by the test; each hop adds a turn. */
function oneRole(handle: (msg: Envelope) => Promise<void>): WorkflowDefinition {
  return oneRoleWorkflow({ name: "echo", handle: async (msg) => (await handle(msg), { turn: { role: "worker", content: "done" } }) });
}

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: "warn", write: (l) => lines.push(l) }), lines };
}

async function setup(wf: WorkflowDefinition, opts: NatsBusOptions, maxAttempts = 4, finish?: (msg: Envelope) => Promise<void>) {
  const nc = await connectNats(server.url, { name: "dist-host test" });
  const bus = new NatsBus(nc, { ownsConnection: true, ...opts });
  const binding: RunBinding = {
    workflow: wf,
    params: {},
    llm: () => {
      throw new Error("no llm");
    },
    blobs: new MemoryBlobStore(),
    maxAttempts,
    retry: { initial_ms: 20, max_ms: 50 },
    offloadThreshold: 16 * 1024,
  };
  const { log, lines } = capture();
  const host = new AgentHost({ bus, binding: (run) => (run === "r1" ? binding : undefined), log, ...(finish ? { finish } : {}) });
  host.serve(wf, ["worker"], 8);
  const rows: Envelope[] = [];
  const sink = bus.consume(wf.name, SINK, {
    concurrency: 8,
    handler: async (d) => {
      rows.push(readDelivery(d));
      await d.ack();
    },
  });
  const task = (i: number) => newEnvelope({ run: "r1", workflow: wf.name, task: `t${i}`, trial: 0, seed: i, first: "worker", input: { i }, state: {} });
  const close = async () => {
    await host.drain();
    await sink.drain();
    await bus.close();
  };
  return { bus, host, rows, lines, task, close, names: bus.names };
}

describe("agent host on nats", () => {
  it("host - a message that fails to decode or validate is terminated with an error naming its subject, and the queue keeps flowing", async () => {
    const handled: string[] = [];
    const s = await setup(oneRole(async (m) => void handled.push(m.task)), { namespace: freshNamespace() });
    try {
      const subject = s.names.subject("echo", "worker");
      const misrouted = s.task(99);
      misrouted.next = "elsewhere";
      await s.bus.publish("echo", "worker", new Uint8Array([0xff, 0x00, 0x13, 0x37]));
      await s.bus.publish("echo", "worker", encode({ v: 1, hello: "not an envelope" }));
      await s.bus.publish("echo", "worker", encode(misrouted));
      for (let i = 0; i < 5; i++) await publishHop(s.bus, s.task(i), new MemoryBlobStore(), 16 * 1024);
      await until(() => s.rows.length === 5);
      await until(() => s.lines.filter((l) => l.includes("fails to decode or validate")).length === 3);
      expect(s.rows.map((r) => r.task).sort()).toEqual(["t0", "t1", "t2", "t3", "t4"]);
      for (const l of s.lines.filter((x) => x.includes("fails to decode"))) expect(l).toContain(`subject=${subject}`);
      expect(s.lines.join("\n")).toMatch(/arrived on the queue of echo\/worker/);
      // Terminated, not redelivered: nothing is left for the role.
      await until(() => s.host.inFlight === 0);
      expect(await s.bus.depth("echo", "worker")).toBe(0);
    } finally {
      await s.close();
    }
  });

  it("host - the bus's last delivery of a retryable failure ends the task as an error row", async () => {
    let calls = 0;
    const s = await setup(
      oneRole(async () => {
        calls++;
        throw new RetryableError("llm_unavailable", "503 from every replica");
      }),
      { namespace: freshNamespace(), maxDeliver: 2 },
      10,
    );
    try {
      await publishHop(s.bus, s.task(1), new MemoryBlobStore(), 16 * 1024);
      await until(() => s.rows.length === 1);
      const row = s.rows[0]!;
      expect(row.error).toMatchObject({ code: "llm_unavailable", role: "worker" });
      expect(row.attempts).toBe(2);
      expect(calls).toBe(2);
      expect(await s.bus.depth("echo", "worker")).toBe(0);
    } finally {
      await s.close();
    }
  });

  it("host - a process that writes rows itself finishes tasks without a hop to the sink, error rows included", async () => {
    const finished: Envelope[] = [];
    const s = await setup(
      oneRole(async (m) => {
        if (m.task === "t3") throw new RetryableError("llm_unavailable", "503 from every replica");
      }),
      { namespace: freshNamespace(), maxDeliver: 1 },
      10,
      async (msg) => void finished.push(msg),
    );
    try {
      for (let i = 0; i < 5; i++) await publishHop(s.bus, s.task(i), new MemoryBlobStore(), 16 * 1024);
      await until(() => finished.length === 5);
      expect(finished.map((m) => m.task).sort()).toEqual(["t0", "t1", "t2", "t3", "t4"]);
      for (const m of finished) expect(m.next).toBe(SINK);
      expect(finished.find((m) => m.task === "t3")!.error).toMatchObject({ code: "llm_unavailable", role: "worker" });
      expect(finished.find((m) => m.task === "t0")!.history).toEqual([{ role: "worker", content: "done" }]);
      await until(() => s.host.inFlight === 0);
      // Nothing went through the sink's queue.
      expect(s.rows).toEqual([]);
      expect(await s.bus.depth("echo", SINK)).toBe(0);
      expect(await s.bus.depth("echo", "worker")).toBe(0);
    } finally {
      await s.close();
    }
  });

  it("host - when writing the row fails, the hop comes back and the task still ends once", async () => {
    const finished: string[] = [];
    let failures = 0;
    const s = await setup(oneRole(async () => {}), { namespace: freshNamespace() }, 10, async (msg) => {
      if (failures++ === 0) throw new RetryableError("results_unavailable", "the results stream is not answering");
      finished.push(msg.task);
    });
    try {
      await publishHop(s.bus, s.task(1), new MemoryBlobStore(), 16 * 1024);
      await until(() => finished.length === 1);
      await until(() => s.host.inFlight === 0);
      expect(finished).toEqual(["t1"]);
      expect(s.rows).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
