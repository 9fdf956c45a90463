// Admission of a run on NATS: first hops under max_concurrent_tasks, each slot released by the task's result.
import { AdmissionGate } from "../admission.ts";
import type { RunConfig } from "../config/schema.ts";
import type { DatasetItem } from "../dataset.ts";
import { publishHop } from "../host.ts";
import type { Logger } from "../log.ts";
import type { StoredResult } from "../results/stream.ts";
import { runSource, type SourceStats } from "../source.ts";
import type { WorkflowDefinition } from "../workflow.ts";
import type { Deployment } from "./deployment.ts";

/**
 * First hops awaiting the stream's ack at once. A publish is confirmed one round trip through a busy nats-server
 * later (milliseconds under load): the source's default of 256 let admission fall behind at ~16,000 tasks/s
 * (bench/hop: 81-82% of the bound with 256, 83-89% with 1,024 or more). Every admitted task still holds a slot.
 */
const NATS_PUBLISH_WINDOW = 1_024;

export type RunAdmissionOptions = {
  deployment: Deployment;
  run: string;
  workflow: WorkflowDefinition;
  config: Pick<RunConfig, "params" | "dataset" | "trials" | "seed" | "max_concurrent_tasks" | "offload_threshold_bytes">;
  /** Rows to admit instead of the dataset file (inline tasks). */
  items?: () => AsyncIterable<DatasetItem>;
  /** Tasks done outside the results stream (rows already in an output file): never admitted. */
  isDone?: (task: string) => boolean;
  /** Called once per task, on the first sight of its result (stored earlier or arriving now). */
  onResult: (r: StoredResult) => void;
  /** The results stream was lost: the run cannot see its tasks end. */
  onFollowError: (err: unknown) => void;
  log: Logger;
  /** Aborted: stop admitting at once. */
  signal: AbortSignal;
};

/**
 * The source side of a run whose hops are served by agents anywhere.
 *
 * Invariants:
 * - in flight = tasks admitted here whose result has not been seen on `<ns>.results.<run>`; every first sight of
 *   a result releases its slot, so a finished task immediately admits the next;
 * - a task whose result is already stored is never admitted again (results are read before the source starts);
 * - a task admitted twice (a resumed source) is absorbed by the hop's dedup id `run/task/0`.
 */
export class RunAdmission {
  readonly gate: AdmissionGate;
  /** Tasks admitted here whose result has not arrived. */
  readonly admitted = new Set<string>();
  /** Every task whose result was seen. */
  readonly seen = new Set<string>();
  admittedTotal = 0;
  lastResultAt = Date.now();
  /** Resolves once the source is done and every admitted task has its result, or on `finishNow()`. */
  readonly finished: Promise<void>;
  readonly #opts: RunAdmissionOptions;
  #finish!: () => void;
  #sourceDone = false;
  #stopFollowing: (() => Promise<void>) | undefined;

  constructor(opts: RunAdmissionOptions) {
    this.#opts = opts;
    this.gate = new AdmissionGate(opts.config.max_concurrent_tasks);
    this.finished = new Promise<void>((r) => (this.#finish = r));
  }

  /** Follows the run's results from the start; resolves once the results already stored have been read. */
  async catchUp(): Promise<void> {
    const { deployment: dep, run } = this.#opts;
    let caughtUp!: () => void;
    const backlogRead = new Promise<void>((r) => (caughtUp = r));
    let backlog = Number.POSITIVE_INFINITY;
    let delivered = 0;
    const onResult = (r: StoredResult | null) => {
      delivered++;
      if (delivered >= backlog) caughtUp();
      if (!r) return;
      this.lastResultAt = Date.now();
      if (this.seen.has(r.task)) return;
      this.seen.add(r.task);
      this.#opts.onResult(r);
      if (this.admitted.delete(r.task)) {
        this.gate.release();
        this.#checkDone();
      }
    };
    backlog = await dep.results.count(run);
    if (backlog === 0) caughtUp();
    this.#stopFollowing = dep.results.follow(run, onResult, (err) => this.#opts.onFollowError(err));
    await Promise.race([backlogRead, this.finished]);
  }

  /** Runs the source to the end of its rows (or until the gate closes or the signal aborts). */
  async admit(): Promise<SourceStats> {
    const { deployment: dep, config, workflow, run } = this.#opts;
    const stats = await runSource({
      run,
      workflow,
      params: config.params,
      dataset: config.dataset,
      ...(this.#opts.items ? { items: this.#opts.items() } : {}),
      trials: config.trials,
      seed: config.seed,
      gate: this.gate,
      publishWindow: NATS_PUBLISH_WINDOW,
      isDone: (task) => this.#opts.isDone?.(task) === true || this.seen.has(task),
      publish: async (msg) => {
        // Its result may have arrived while the source waited for a slot (a hop of an earlier source finishing).
        if (this.seen.has(msg.task)) {
          this.gate.release();
          return;
        }
        this.admitted.add(msg.task);
        this.admittedTotal++;
        await publishHop(dep.bus, msg, dep.blobs, config.offload_threshold_bytes);
      },
      log: this.#opts.log,
      signal: this.#opts.signal,
    });
    this.#sourceDone = true;
    this.#checkDone();
    return stats;
  }

  /** No more admissions; tasks in flight keep their slots. */
  close(): void {
    this.gate.close();
  }

  /** Resolves `finished` now (forced stop, cancel). */
  finishNow(): void {
    this.#finish();
  }

  /** Stops following the results stream. Idempotent. */
  async stop(): Promise<void> {
    const stop = this.#stopFollowing;
    this.#stopFollowing = undefined;
    await stop?.();
  }

  #checkDone(): void {
    if (this.#sourceDone && this.admitted.size === 0) this.#finish();
  }
}
