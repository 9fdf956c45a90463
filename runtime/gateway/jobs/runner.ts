// Admits one job on the deployment while this gateway holds its lease; writes its progress and its end.
import type { RunConfig } from "../../config/schema.ts";
import { ensureError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { sweepRunBlobs } from "../../modes/blob-sweep.ts";
import { rowTokens } from "../../modes/collector.ts";
import type { Deployment } from "../../modes/deployment.ts";
import { RunAdmission } from "../../modes/run-admission.ts";
import { specOf } from "../../state/run-state.ts";
import { getWorkflow } from "../../workflow.ts";
import { readInlineTasks } from "./inline-tasks.ts";
import { TERMINAL, type JobProgress, type JobRecord, type JobStatus } from "./record.ts";
import type { JobStore } from "./store.ts";

export type JobRunnerDeps = {
  deployment: Deployment;
  store: JobStore;
  /** This gateway's id (lease owner). */
  owner: string;
  /** How often progress is written and the record checked for a cancel request (ms). */
  progressMs: number;
  log: Logger;
};

/** The row of a task that was in flight when its job was cancelled. */
export function cancelledRow(task: string): Record<string, unknown> {
  const trial = Number(task.slice(task.lastIndexOf(":") + 1));
  return {
    task,
    trial: Number.isInteger(trial) ? trial : 0,
    status: "error",
    termination_reason: null,
    error: { code: "cancelled", message: "the job was cancelled while this task was in flight", role: "_gateway" },
    attempts: 0,
    usage: {},
  };
}

/**
 * Runs the source of one job: reads the results already stored (a job resumed by another or a restarted
 * gateway), admits the rest under `max_concurrent_tasks`, and ends the job when every admitted task has its row.
 * `stop()` (lease lost, gateway closing) leaves the job unfinished for the next lease holder.
 */
export class JobRunner {
  readonly id: string;
  readonly done: Promise<void>;
  readonly #deps: JobRunnerDeps;
  #admission: RunAdmission | undefined;
  #stopped = false;
  #ending = false;
  #cancelling: Promise<void> | undefined;
  readonly #force = new AbortController();

  constructor(job: JobRecord, deps: JobRunnerDeps) {
    this.id = job.id;
    this.#deps = deps;
    this.done = this.#run(job).catch((err: unknown) => deps.log.error("job runner failed", { job: job.id, error: ensureError(err).message }));
  }

  /** True once the job is being ended here (its lease is about to be dropped, not lost). */
  get ending(): boolean {
    return this.#ending;
  }

  /** Stops admitting and following; the job stays unfinished (another gateway, or this one later, resumes it). */
  stop(): void {
    this.#stopped = true;
    this.#force.abort();
    this.#admission?.close();
    this.#admission?.finishNow();
  }

  async #run(job: JobRecord): Promise<void> {
    const { deployment: dep, store, log } = this.#deps;
    const id = job.id;
    if (TERMINAL.has(job.status)) return;
    const wf = getWorkflow(job.workflow);
    if (!wf) return void (await this.#end("failed", { code: "unknown_workflow", message: `workflow "${job.workflow}" is not registered on this gateway` }));
    const config = job.config as unknown as RunConfig;
    const tasks = job.tasks;
    const started = job.started_at ?? Date.now();
    if (job.status === "queued") await store.update(id, (j) => (j.status === "queued" ? { ...j, status: "running", started_at: started } : undefined));
    await dep.state.putSpec(specOf(id, config));

    const counts = { ok: 0, filtered: 0, error: 0, prompt: 0, completion: 0 };
    const metrics = wf.metrics();
    let failure: { code: string; message: string } | undefined;
    const admission = new RunAdmission({
      deployment: dep,
      run: id,
      workflow: wf,
      config,
      ...(tasks.kind === "inline" ? { items: () => readInlineTasks(dep.blobs, tasks.object, config.dataset.limit) } : {}),
      onResult: ({ row }) => {
        const s = row.status;
        if (s === "ok" || s === "filtered" || s === "error") counts[s]++;
        const t = rowTokens(row);
        counts.prompt += t.prompt;
        counts.completion += t.completion;
        metrics.add(row);
      },
      onFollowError: (err) => {
        log.error("lost the results stream of a job", { job: id, error: String(err) });
        this.stop();
      },
      log: log.child({ job: id }),
      signal: this.#force.signal,
    });
    this.#admission = admission;
    if (this.#stopped) admission.finishNow();
    const progress = (): JobProgress => ({
      admitted: admission.admittedTotal,
      results: admission.seen.size,
      ok: counts.ok,
      filtered: counts.filtered,
      error: counts.error,
      in_flight: admission.admitted.size,
      prompt_tokens: counts.prompt,
      completion_tokens: counts.completion,
      metrics: metrics.summary(),
      owner: this.#deps.owner,
      updated_at: Date.now(),
    });
    let writing: Promise<void> | undefined;
    const tick = setInterval(() => {
      if (writing) return;
      writing = (async () => {
        await store.putProgress(id, progress());
        const cur = await store.get(id);
        if (cur?.value.cancel_requested) this.#cancel();
      })()
        .catch((err: unknown) => log.debug("job progress not saved", { job: id, error: String(err) }))
        .finally(() => (writing = undefined));
    }, this.#deps.progressMs);
    try {
      await admission.catchUp();
      if (admission.seen.size > 0) log.info("resuming job", { job: id, results: admission.seen.size });
      const cur = await store.get(id);
      if (cur?.value.cancel_requested) this.#cancel();
      const admitting = admission.admit().catch((err: unknown) => {
        failure = { code: ensureError(err).code === "internal" ? "source" : ensureError(err).code, message: ensureError(err).message };
        admission.close();
        admission.finishNow();
      });
      await admission.finished;
      await admitting;
      await this.#cancelling;
    } finally {
      clearInterval(tick);
      await writing;
      await admission.stop();
    }
    if (this.#stopped) return;
    await store.putProgress(id, progress());
    await this.#end(this.#cancelling ? "cancelled" : failure ? "failed" : "succeeded", failure ?? null);
  }

  /** No new admissions; every task in flight gets a `cancelled` error row (unless its own row is stored first). */
  #cancel(): void {
    if (this.#cancelling || !this.#admission) return;
    const admission = this.#admission;
    admission.close();
    this.#deps.log.info("cancelling job", { job: this.id, in_flight: admission.admitted.size });
    this.#cancelling = (async () => {
      for (const task of [...admission.admitted]) await this.#deps.deployment.results.publish(this.id, task, cancelledRow(task));
    })().catch((err: unknown) => {
      this.#deps.log.error("cannot store cancelled rows", { job: this.id, error: String(err) });
      admission.finishNow();
    });
  }

  async #end(status: JobStatus, error: { code: string; message: string } | null): Promise<void> {
    const { deployment: dep, store, log } = this.#deps;
    const id = this.id;
    this.#ending = true;
    await store.update(id, (j) => (TERMINAL.has(j.status) ? undefined : { ...j, status, ended_at: Date.now(), started_at: j.started_at ?? Date.now(), error }));
    log.info("job ended", { job: id, status, ...(error ? { error: error.message } : {}) });
    // The rows stay in the results stream (the gateway serves them); the hops' blobs and the spec are no longer needed.
    for (const [what, step] of [
      ["sweep blobs", () => sweepRunBlobs(dep.blobs, id)],
      ["remove run spec", () => dep.state.remove(id)],
      ["drop lease", () => store.dropLease(id)],
    ] as const) {
      try {
        await step();
      } catch (err) {
        log.warn(`after the job: ${what} failed`, { job: id, error: String(err) });
      }
    }
  }
}
