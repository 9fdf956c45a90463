// The agent host's forced stop: every running hop's signal is aborted, however many hops share a signal.
import { describe, expect, it } from "vitest";
import { MemoryBus } from "../runtime/bus/memory.ts";
import { AgentHost, publishHop, type RunBinding } from "../runtime/host.ts";
import { silentLogger } from "../runtime/log.ts";
import { MemoryBlobStore } from "../runtime/message/blobs.ts";
import { newEnvelope } from "../runtime/source.ts";
import { oneRoleWorkflow } from "./wf-fixtures.ts";

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("agent host abort", () => {
  it("aborts every hop in flight on a forced stop: 150 hops over several shared signals, no listener warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    const started: AbortSignal[] = [];
    let aborted = 0;
    const wf = oneRoleWorkflow({
      name: "wait",
      // Waits for its hop's signal, as an LLM call does: one listener per hop.
      handle: (_msg, ctx) =>
        new Promise((_, reject) => {
          started.push(ctx.signal);
          ctx.signal.addEventListener("abort", () => (aborted++, reject(ctx.signal.reason)), { once: true });
        }),
    });
    const bus = new MemoryBus({ unsettledRetryMs: 50 });
    const binding: RunBinding = {
      workflow: wf,
      params: {},
      llm: () => {
        throw new Error("no llm");
      },
      blobs: new MemoryBlobStore(),
      maxAttempts: 1,
      retry: { initial_ms: 10, max_ms: 10 },
      offloadThreshold: 16 * 1024,
    };
    const host = new AgentHost({ bus, binding: () => binding, log: silentLogger });
    host.serve(wf, ["worker"], 500);
    const task = (i: number) => newEnvelope({ run: "r1", workflow: wf.name, task: `t${i}`, trial: 0, seed: i, first: "worker", input: {}, state: {} });
    for (let i = 0; i < 150; i++) await publishHop(bus, task(i), binding.blobs, binding.offloadThreshold);
    await until(() => started.length === 150);
    // Hops share signals, a bounded number each.
    const distinct = new Set(started);
    expect(distinct.size).toBeGreaterThan(1);
    expect(distinct.size).toBeLessThan(150);
    expect(aborted).toBe(0);

    // As an agent's forced stop does: draining (no new hops), then abort what still runs.
    const drained = host.drain();
    host.abort(new Error("stop now"));
    await until(() => aborted === 150);
    expect(started.every((s) => s.aborted && (s.reason as Error).message === "stop now")).toBe(true);
    await drained;
    await bus.close();
    // Warnings are emitted on a later tick.
    await new Promise((r) => setTimeout(r, 50));
    process.off("warning", onWarning);
    // 64 listeners on a shared signal are expected, not a leak to warn about.
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });
});
