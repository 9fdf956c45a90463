// `matrix run` on the embedded bus: source, agents and sink in one process, rows to a JSONL file.
import { randomUUID } from "node:crypto";
import { AdmissionGate } from "../admission.ts";
import { MemoryBus } from "../bus/memory.ts";
import type { Bus } from "../bus/types.ts";
import type { RunConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { MemoryBlobStore } from "../message/blobs.ts";
import { SINK } from "../message/envelope.ts";
import { AgentHost, publishHop } from "../host.ts";
import { createSinkHandler } from "../sink.ts";
import { runSource } from "../source.ts";
import { specOf } from "../state/run-state.ts";
import { getWorkflow } from "../workflow.ts";
import { bindRun } from "./binding.ts";
import { closeRunSandboxes } from "../sandbox/registry.ts";
import { RunCollector, type RunProgress, type RunSummary } from "./collector.ts";

export type { RunProgress, RunSummary } from "./collector.ts";

export type RunHooks = {
  log: Logger;
  /** Called with live counters every `progress.interval_ms` and once at the end. */
  onProgress?: (p: RunProgress) => void;
  onStart?: (p: RunProgress) => void;
  /** First abort: drain (admit nothing new, finish in-flight tasks). */
  drain?: AbortSignal;
  /** Second abort: stop now; in-flight tasks get no row and are redone on resume. */
  force?: AbortSignal;
  /** Use this bus instead of a fresh in-memory one (tests, benches). */
  bus?: Bus;
};

/** Runs a whole job in this process. Resolves with the summary; rejects only on setup errors. */
export async function runEmbedded(config: RunConfig, hooks: RunHooks): Promise<RunSummary> {
  const log = hooks.log;
  const wf = getWorkflow(config.workflow);
  if (!wf) throw new Error(`unknown workflow "${config.workflow}"`);
  const run = randomUUID();
  const out = await RunCollector.open(config, wf, log);

  const bus = hooks.bus ?? new MemoryBus();
  const blobs = new MemoryBlobStore();
  const { binding, resources } = bindRun(wf, specOf(run, config), blobs, log);
  const gate = new AdmissionGate(config.max_concurrent_tasks);
  const force = new AbortController();
  hooks.force?.addEventListener("abort", () => force.abort(), { once: true });
  const host = new AgentHost({ bus, binding: (r) => (r === run ? binding : undefined), log, signal: force.signal });
  host.serve(wf, Object.keys(wf.roles), config.max_concurrent_tasks);

  let admitted = 0;
  let sourceDone = false;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const checkDone = () => {
    if (sourceDone && out.counts.done >= admitted) finish();
  };
  const sink = bus.consume(wf.name, SINK, {
    concurrency: Math.max(16, Math.min(config.max_concurrent_tasks, 1024)),
    handler: createSinkHandler({
      workflow: wf,
      params: config.params,
      writer: out.writer,
      blobs,
      successOnly: config.output.success_only,
      includeHistory: config.output.include_history,
      log,
      onRow: (row) => {
        out.record(row);
        gate.release();
        checkDone();
      },
    }),
  });

  const tokens = () => {
    const t = resources.meter.totals();
    return { prompt: t.prompt_tokens, completion: t.completion_tokens };
  };
  const progress = () => out.progress(gate.inFlight, tokens());

  let interrupted = false;
  let simStats: Record<string, unknown> | undefined;
  const onDrain = () => {
    interrupted = true;
    log.info("draining: no new tasks; finishing those in flight (signal again to stop now)", { in_flight: gate.inFlight });
    gate.close();
  };
  hooks.drain?.addEventListener("abort", onDrain, { once: true });
  const onForce = () => {
    interrupted = true;
    gate.close();
    finish();
  };
  force.signal.addEventListener("abort", onForce, { once: true });

  const ticker = hooks.onProgress ? setInterval(() => hooks.onProgress!(progress()), config.progress.interval_ms) : undefined;
  try {
    const source = runSource({
      run,
      workflow: wf,
      params: config.params,
      dataset: config.dataset,
      trials: config.trials,
      seed: config.seed,
      gate,
      isDone: (task) => out.writer.has(task),
      publish: (msg) => publishHop(bus, msg, blobs, config.offload_threshold_bytes),
      log,
      signal: force.signal,
    });
    hooks.onStart?.(progress());
    const stats = await source;
    admitted = stats.admitted;
    out.counts.skipped = stats.skipped;
    sourceDone = true;
    checkDone();
    await finished;
  } finally {
    simStats = resources.sim?.stats() as Record<string, unknown> | undefined;
    if (ticker) clearInterval(ticker);
    hooks.drain?.removeEventListener("abort", onDrain);
    if (!force.signal.aborted) {
      await host.drain();
      await sink.drain();
    }
    await out.writer.close();
    await bus.close();
    await resources.close();
    await closeRunSandboxes(run);
  }
  hooks.onProgress?.(progress());
  const summary = out.summary(run, tokens(), resources.meter.snapshot(), interrupted);
  if (simStats) summary.sim = simStats;
  return summary;
}
