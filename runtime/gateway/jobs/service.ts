// Jobs over NATS for the HTTP routes: submit, read, list, cancel and read rows; any gateway serves any job.
import { createHash, randomBytes } from "node:crypto";
import { loadRunConfig } from "../../config/load.ts";
import type { RunConfig } from "../../config/schema.ts";
import type { Deployment } from "../../modes/deployment.ts";
import { countTasks } from "../../source.ts";
import { getWorkflow, listWorkflows } from "../../workflow.ts";
import { putInlineTasks } from "./inline-tasks.ts";
import { TERMINAL, type JobRecord, type JobTasks } from "./record.ts";
import type { JobStore } from "./store.ts";
import { jobView, type JobView } from "./view.ts";

/** A validated submission: the workflow is registered, the dataset path is confined, the overrides are allowed. */
export type Submission = {
  workflow: string;
  overrides: string[];
  tasks?: Record<string, unknown>[];
  /** Real path of the dataset file (under an allowed root). */
  dataset?: string;
  idempotencyKey?: string;
  /** Who submits (token name), scoping idempotency keys. */
  client: string;
};

export type RowFilter = { status?: "ok" | "error" | "filtered"; follow: boolean; signal: AbortSignal };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A new job id: sortable by creation time, unguessable enough to not be enumerated. */
export function newJobId(now = Date.now()): string {
  return `j${now.toString(36).padStart(9, "0")}${randomBytes(5).toString("hex")}`;
}

export class JobService {
  readonly #dep: Deployment;
  readonly #store: JobStore;
  readonly #onSubmit: () => void;
  readonly #cwd: string;

  /** `onSubmit` (also called on a cancel) tells the local supervisor to look for work now rather than at its next scan. */
  constructor(opts: { deployment: Deployment; store: JobStore; cwd: string; onSubmit?: () => void }) {
    this.#dep = opts.deployment;
    this.#store = opts.store;
    this.#onSubmit = opts.onSubmit ?? (() => {});
    this.#cwd = opts.cwd;
  }

  /** Compiles the job's config (ConfigError on a bad key or value), then records it. Returns the job and whether it is new. */
  async submit(s: Submission): Promise<{ job: JobView; created: boolean }> {
    const id = newJobId();
    const datasetPath = s.dataset ?? `/inline/${id}`;
    const config: RunConfig = loadRunConfig({
      target: s.workflow,
      overrides: [...s.overrides, `dataset.path=${JSON.stringify(datasetPath)}`],
      cwd: this.#cwd,
      getWorkflow,
      listWorkflows: () => listWorkflows().map((w) => w.name),
    });
    if (s.idempotencyKey !== undefined) {
      const hash = createHash("sha256").update(`${s.client}\0${s.idempotencyKey}`).digest("hex").slice(0, 40);
      const held = await this.#store.claimIdempotencyKey(hash, id);
      if (held !== id) {
        for (let i = 0; i < 50; i++) {
          const existing = await this.get(held);
          if (existing) return { job: existing, created: false };
          await sleep(100);
        }
        throw new Error(`idempotency key held by job ${held}, which was never recorded`);
      }
    }
    let tasks: JobTasks;
    let total: number;
    if (s.tasks) {
      tasks = { kind: "inline", object: await putInlineTasks(this.#dep.blobs, id, s.tasks), rows: s.tasks.length };
      const rows = config.dataset.limit === null ? s.tasks.length : Math.min(config.dataset.limit, s.tasks.length);
      total = rows * config.trials;
    } else {
      tasks = { kind: "dataset", path: datasetPath };
      total = await countTasks(datasetPath, config.dataset.limit, config.trials);
    }
    const job: JobRecord = {
      v: 1,
      id,
      workflow: config.workflow,
      status: "queued",
      overrides: s.overrides,
      config: config as unknown as Record<string, unknown>,
      tasks,
      total,
      created_at: Date.now(),
      started_at: null,
      ended_at: null,
      cancel_requested: false,
      error: null,
      idempotency_key: s.idempotencyKey ?? null,
    };
    await this.#store.create(job);
    this.#onSubmit();
    return { job: jobView(job, undefined), created: true };
  }

  async record(id: string): Promise<JobRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
    return (await this.#store.get(id))?.value;
  }

  async get(id: string): Promise<JobView | undefined> {
    const job = await this.record(id);
    if (!job) return undefined;
    return jobView(job, await this.#store.getProgress(id));
  }

  /** A page of jobs, newest first, after the job id `after`; `visible` filters by workflow (token scope). */
  async list(opts: { limit: number; after?: string; visible: (workflow: string) => boolean }): Promise<{ jobs: JobView[]; next: string | null }> {
    const ids = await this.#store.ids();
    const start = opts.after === undefined ? 0 : ids.findIndex((i) => i < opts.after!);
    const jobs: JobView[] = [];
    let next: string | null = null;
    if (start < 0) return { jobs, next };
    for (const id of ids.slice(start)) {
      if (jobs.length === opts.limit) {
        next = jobs[jobs.length - 1]!.id;
        break;
      }
      const view = await this.get(id);
      if (view && opts.visible(view.workflow)) jobs.push(view);
    }
    return { jobs, next };
  }

  /**
   * Requests the cancel of a job; the gateway that admits it stops admitting and ends its tasks in flight as
   * `cancelled` rows. Waits up to `waitMs` for the job to end. "finished" when it had already ended.
   */
  async cancel(id: string, waitMs = 5_000): Promise<JobView | "finished" | undefined> {
    let finished = false;
    const job = await this.#store.update(id, (j) => {
      if (TERMINAL.has(j.status)) {
        finished = true;
        return undefined;
      }
      return j.cancel_requested ? undefined : { ...j, cancel_requested: true };
    });
    if (!job) return undefined;
    if (finished) return "finished";
    this.#onSubmit();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const view = await this.get(id);
      if (!view || TERMINAL.has(view.status) || Date.now() >= deadline) return view;
      await sleep(100);
    }
  }

  /**
   * The job's rows in the results stream, each task once. Without `follow`, the rows stored when the call began;
   * with it, every row until the job has ended and its last row was read.
   */
  async *rows(id: string, f: RowFilter): AsyncGenerator<Record<string, unknown>> {
    const results = this.#dep.results;
    const stored = await results.count(id);
    const queue: (Record<string, unknown> | null)[] = [];
    let wake: (() => void) | undefined;
    let failure: unknown;
    const stop = results.follow(
      id,
      (r) => {
        queue.push(r ? r.row : null);
        wake?.();
      },
      (err) => {
        failure = err;
        wake?.();
      },
    );
    const seen = new Set<string>();
    let endAt = f.follow ? Number.POSITIVE_INFINITY : stored;
    let nextCheck = 0;
    try {
      let read = 0;
      while (read < endAt && !f.signal.aborted) {
        if (failure) throw failure;
        const row = queue.shift();
        if (row === undefined) {
          if (f.follow && Date.now() >= nextCheck) {
            nextCheck = Date.now() + 500;
            const job = await this.get(id);
            // Once the job has ended, its rows are all stored: read up to what the stream holds now.
            if (!job || TERMINAL.has(job.status)) endAt = await results.count(id);
            continue;
          }
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 200);
          });
          wake = undefined;
          continue;
        }
        read++;
        if (row === null) continue;
        const task = row.task as string;
        if (seen.has(task)) continue;
        seen.add(task);
        if (f.status === undefined || row.status === f.status) yield row;
      }
    } finally {
      await stop();
    }
  }
}
