// `matrix run --nats`: the source and the result writer of a run whose hops are served by agents anywhere.
import { randomUUID } from "node:crypto";
import type { RunConfig } from "../config/schema.ts";
import { specFingerprint, specOf, type RunCounters } from "../state/run-state.ts";
import { getWorkflow } from "../workflow.ts";
import { AgentWorker } from "./agent.ts";
import { sweepRunBlobs } from "./blob-sweep.ts";
import { RunCollector, rowTokens, type RunSummary } from "./collector.ts";
import { openDeployment, type DeploymentOptions } from "./deployment.ts";
import { RunAdmission } from "./run-admission.ts";
import { readRunFile, removeRunFile, writeRunFile } from "./run-file.ts";
import type { RunHooks } from "./run.ts";

export type DistributedRunOptions = DeploymentOptions & {
  /** Agent workers started in this process (0: only external `matrix agent` processes serve the run). */
  localAgents: number;
};

const NO_RESULTS_WARNING_MS = 30_000;

type RoleUsage = { prompt_tokens: number; completion_tokens: number; calls: number };

/**
 * Runs a job on a NATS deployment: admits first hops under `max_concurrent_tasks` and copies rows from the results
 * stream to `output.path`, once per task.
 *
 * Invariants:
 * - in flight = tasks admitted by this process whose result has not been seen on `<ns>.results.<run>`: the count
 *   lives in NATS (results stream, counters in the run state), so admission holds across the whole cluster;
 * - a task is done when its row is in the output file or its result is in the results stream (resume skips both);
 * - the run id is kept in `<output>.run.json` until the run completes, so a killed `matrix run` started again
 *   picks up the results its agents stored meanwhile, and hops still in the work stream are not redone.
 */
export async function runDistributed(config: RunConfig, hooks: RunHooks, dist: DistributedRunOptions): Promise<RunSummary> {
  const log = hooks.log;
  const wf = getWorkflow(config.workflow);
  if (!wf) throw new Error(`unknown workflow "${config.workflow}"`);
  const out = await RunCollector.open(config, wf, log);
  const dep = await openDeployment(dist, "matrix run", log);

  let spec = specOf(randomUUID(), config);
  const fingerprint = specFingerprint(spec);
  const prior = readRunFile(config.output.path);
  if (prior && prior.namespace === dist.namespace && prior.fingerprint === fingerprint) {
    spec = { ...spec, run: prior.run };
    log.info("resuming run", { run: spec.run });
  } else if (prior) {
    log.warn("the config changed since the recorded run: starting a new run", { previous: prior.run });
  }
  const run = spec.run;

  const tokens = { prompt: 0, completion: 0 };
  const usage: Record<string, RoleUsage> = {};
  let skipped = 0;
  let interrupted = false;
  let followError: unknown;
  const force = new AbortController();
  const admission = new RunAdmission({
    deployment: dep,
    run,
    workflow: wf,
    config,
    isDone: (task) => {
      if (!out.existing.has(task)) return false;
      skipped++;
      return true;
    },
    onResult: ({ task, row, line }) => {
      if (out.existing.has(task)) return;
      out.write(task, row, line);
      out.record(row);
      const t = rowTokens(row);
      tokens.prompt += t.prompt;
      tokens.completion += t.completion;
      addUsage(usage, row);
    },
    onFollowError: (err) => {
      followError = err;
      log.error("lost the results stream", { error: String(err) });
      force.abort();
    },
    log,
    signal: force.signal,
  });
  const { admitted, seen } = admission;

  const counters = (state: RunCounters["state"]): RunCounters => ({
    total: out.total,
    admitted: admission.admittedTotal,
    results: seen.size,
    in_flight: admitted.size,
    updated_at: Date.now(),
    state,
  });
  let saving: Promise<void> | undefined;
  const saveCounters = (state: RunCounters["state"]) => {
    if (saving) return;
    saving = dep.state
      .putCounters(run, counters(state))
      .catch((err: unknown) => log.debug("run counters not saved", { error: String(err) }))
      .finally(() => (saving = undefined));
  };

  hooks.force?.addEventListener("abort", () => force.abort(), { once: true });
  const onDrain = () => {
    interrupted = true;
    log.info("draining: no new tasks; waiting for those in flight (signal again to stop now; the same command resumes)", { in_flight: admitted.size });
    admission.close();
  };
  hooks.drain?.addEventListener("abort", onDrain, { once: true });
  force.signal.addEventListener(
    "abort",
    () => {
      interrupted = true;
      admission.close();
      admission.finishNow();
    },
    { once: true },
  );

  const workers: AgentWorker[] = [];
  const ticker = hooks.onProgress ? setInterval(() => hooks.onProgress!(out.progress(admitted.size, tokens)), config.progress.interval_ms) : undefined;
  const watch = setInterval(() => {
    saveCounters("running");
    // Nothing comes back while tasks wait: most likely no agent serves this workflow (or its sink).
    if (admitted.size > 0 && Date.now() - admission.lastResultAt > NO_RESULTS_WARNING_MS) {
      log.warn(`no rows for ${NO_RESULTS_WARNING_MS / 1000} s with tasks in flight: is a \`matrix agent --nats\` serving this workflow?`, {
        workflow: wf.name,
        in_flight: admitted.size,
        namespace: dist.namespace,
      });
      admission.lastResultAt = Date.now();
    }
  }, 1_000);
  try {
    writeRunFile(config.output.path, { run, namespace: dist.namespace, workflow: wf.name, fingerprint, created_at: new Date().toISOString() });
    await dep.state.putSpec(spec);
    // Results already stored for this run (a resumed run) are read before the source decides what is done.
    await admission.catchUp();
    if (seen.size > 0) log.info("results already stored for this run", { results: seen.size });

    for (let i = 0; i < dist.localAgents; i++) {
      workers.push(new AgentWorker({ deployment: dep, workflows: [wf], concurrency: config.max_concurrent_tasks, log }));
    }
    hooks.onStart?.(out.progress(0, tokens));
    const stats = await admission.admit();
    out.counts.skipped = skipped;
    log.debug("source done", { admitted: stats.admitted, skipped });
    await admission.finished;
  } finally {
    if (ticker) clearInterval(ticker);
    clearInterval(watch);
    hooks.drain?.removeEventListener("abort", onDrain);
    if (force.signal.aborted) for (const w of workers) w.abort();
    for (const w of workers) {
      await w.drain();
      await w.close();
    }
    await admission.stop();
    await out.writer.close();
    await saving;
  }
  if (followError) {
    await dep.close();
    throw followError;
  }
  const complete = !interrupted;
  try {
    if (complete) await cleanUp(dep, run, log);
    else await dep.state.putCounters(run, counters("interrupted"));
  } finally {
    await dep.close();
  }
  if (complete) removeRunFile(config.output.path);
  hooks.onProgress?.(out.progress(admitted.size, tokens));
  return out.summary(run, tokens, usage, interrupted);
}

/** A completed run's rows are all in the output: its results, blobs and run state are no longer needed. */
async function cleanUp(dep: Awaited<ReturnType<typeof openDeployment>>, run: string, log: RunHooks["log"]): Promise<void> {
  const steps: [string, () => Promise<unknown>][] = [
    ["purge results", () => dep.results.purge(run)],
    ["sweep blobs", () => sweepRunBlobs(dep.blobs, run)],
    ["remove run state", () => dep.state.remove(run)],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      log.warn(`cleanup after the run: ${what} failed`, { run, error: String(err) });
    }
  }
}

function addUsage(acc: Record<string, RoleUsage>, row: Record<string, unknown>): void {
  const u = row.usage as Record<string, unknown> | undefined;
  if (!u || typeof u !== "object" || typeof u.prompt_tokens === "number") return;
  for (const [role, x] of Object.entries(u)) {
    const r = x as Partial<RoleUsage> | null;
    if (!r || typeof r.prompt_tokens !== "number") continue;
    const a = (acc[role] ??= { prompt_tokens: 0, completion_tokens: 0, calls: 0 });
    a.prompt_tokens += r.prompt_tokens;
    a.completion_tokens += r.completion_tokens ?? 0;
    a.calls += r.calls ?? 0;
  }
}
