// `matrix run` on the embedded bus: source, agents and sink in one process, rows to a JSONL file.
import { randomUUID } from "node:crypto";
import { AdmissionGate } from "../admission.ts";
import { MemoryBus } from "../bus/memory.ts";
import type { Bus } from "../bus/types.ts";
import type { RunConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { MemoryBlobStore } from "../message/blobs.ts";
import { SINK } from "../message/envelope.ts";
import { AgentHost, publishHop, type RunBinding } from "../host.ts";
import { JsonlResultWriter, readExistingRows } from "../output.ts";
import { createSinkHandler, type RowStatus } from "../sink.ts";
import { countTasks, runSource } from "../source.ts";
import { getWorkflow } from "../workflow.ts";
import { RunResources } from "./resources.ts";

/** Live counters of a run, for progress display. */
export type RunProgress = {
  total: number;
  /** Rows already in the output when the run started (resume). */
  skipped: number;
  done: number;
  ok: number;
  filtered: number;
  error: number;
  inFlight: number;
  promptTokens: number;
  completionTokens: number;
  elapsedMs: number;
};

export type RunSummary = {
  workflow: string;
  run: string;
  output: string;
  total: number;
  skipped: number;
  /** Rows written by this run. */
  written: number;
  ok: number;
  filtered: number;
  error: number;
  /** Counts over the whole output file (earlier runs included). */
  file: { ok: number; filtered: number; error: number };
  elapsed_s: number;
  tasks_per_s: number;
  tokens: { prompt: number; completion: number; per_s: number };
  usage_by_role: Record<string, unknown>;
  metrics: Record<string, number | string>;
  sim?: Record<string, unknown>;
  interrupted: boolean;
};

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
  const started = performance.now();

  const existing = readExistingRows(config.output.path);
  if (existing.repairedBytes > 0) {
    log.warn("cut a partial last line from the output (an interrupted write)", { path: config.output.path, bytes: existing.repairedBytes });
  }
  const metrics = wf.metrics();
  const fileCounts = { ok: 0, filtered: 0, error: 0 };
  for (const row of existing.rows) {
    metrics.add(row);
    const s = row.status as RowStatus;
    if (s in fileCounts) fileCounts[s]++;
  }
  const writer = new JsonlResultWriter(config.output.path, existing.rows.map((r) => r.task as string));
  const total = await countTasks(config.dataset.path, config.dataset.limit, config.trials);

  const bus = hooks.bus ?? new MemoryBus();
  const blobs = new MemoryBlobStore();
  const resources = new RunResources(config.llm, config.sim, log);
  const binding: RunBinding = {
    workflow: wf,
    params: config.params,
    llm: (name, role, msg, signal) => resources.forHop(name, role, msg, signal),
    blobs,
    maxAttempts: config.max_attempts,
    retry: config.retry,
    offloadThreshold: config.offload_threshold_bytes,
  };
  const gate = new AdmissionGate(config.max_concurrent_tasks);
  const force = new AbortController();
  hooks.force?.addEventListener("abort", () => force.abort(), { once: true });
  const host = new AgentHost({ bus, binding: (r) => (r === run ? binding : undefined), log, signal: force.signal });
  host.serve(wf, Object.keys(wf.roles), config.max_concurrent_tasks);

  const counts = { done: 0, ok: 0, filtered: 0, error: 0, skipped: 0, admitted: 0 };
  let sourceDone = false;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const checkDone = () => {
    if (sourceDone && counts.done >= counts.admitted) finish();
  };
  const sink = bus.consume(wf.name, SINK, {
    concurrency: Math.max(16, Math.min(config.max_concurrent_tasks, 1024)),
    handler: createSinkHandler({
      workflow: wf,
      params: config.params,
      writer,
      blobs,
      successOnly: config.output.success_only,
      includeHistory: config.output.include_history,
      log,
      onRow: (row) => {
        counts.done++;
        const s = row.status as RowStatus;
        counts[s]++;
        if (!config.output.success_only || s === "ok") fileCounts[s]++;
        metrics.add(row);
        gate.release();
        checkDone();
      },
    }),
  });

  const progress = (): RunProgress => {
    const t = resources.meter.totals();
    return {
      total,
      skipped: counts.skipped,
      done: counts.done,
      ok: counts.ok,
      filtered: counts.filtered,
      error: counts.error,
      inFlight: gate.inFlight,
      promptTokens: t.prompt_tokens,
      completionTokens: t.completion_tokens,
      elapsedMs: performance.now() - started,
    };
  };

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
      isDone: (task) => writer.has(task),
      publish: (msg) => publishHop(bus, msg, blobs, config.offload_threshold_bytes),
      log,
      signal: force.signal,
    });
    // The skipped count is known only as the source goes; the bar starts with what resume found in the file.
    counts.skipped = existing.rows.length;
    hooks.onStart?.(progress());
    const stats = await source;
    counts.admitted = stats.admitted;
    counts.skipped = stats.skipped;
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
    await writer.close();
    await bus.close();
    await resources.close();
  }
  hooks.onProgress?.(progress());

  const elapsed = (performance.now() - started) / 1000;
  const t = resources.meter.totals();
  const summary: RunSummary = {
    workflow: wf.name,
    run,
    output: config.output.path,
    total,
    skipped: counts.skipped,
    written: counts.done,
    ok: counts.ok,
    filtered: counts.filtered,
    error: counts.error,
    file: fileCounts,
    elapsed_s: round(elapsed, 3),
    tasks_per_s: round(counts.done / Math.max(elapsed, 1e-9), 2),
    tokens: {
      prompt: t.prompt_tokens,
      completion: t.completion_tokens,
      per_s: round((t.prompt_tokens + t.completion_tokens) / Math.max(elapsed, 1e-9), 1),
    },
    usage_by_role: resources.meter.snapshot(),
    metrics: metrics.summary(),
    interrupted,
  };
  if (simStats) summary.sim = simStats;
  return summary;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
