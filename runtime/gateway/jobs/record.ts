// What the gateway keeps about a job in NATS: its record (request, compiled config, status) and its progress.
import * as v from "valibot";

/** A job's lifecycle: queued (recorded) → running (a gateway admits it) → one of the terminal states. */
export const JobStatus = v.picklist(["queued", "running", "succeeded", "failed", "cancelled"]);
export type JobStatus = v.InferOutput<typeof JobStatus>;

export const TERMINAL: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);

/** Where a job's rows come from: a dataset file under an allowed root, or inline rows in the object store. */
export const JobTasks = v.variant("kind", [
  v.object({ kind: v.literal("dataset"), path: v.string() }),
  v.object({ kind: v.literal("inline"), object: v.string(), rows: v.number() }),
]);
export type JobTasks = v.InferOutput<typeof JobTasks>;

/** The job record, key `job.<id>` in `<ns>_jobs`. The job id is also the run id of its hops and results. */
export const JobRecord = v.object({
  v: v.literal(1),
  id: v.string(),
  workflow: v.string(),
  status: JobStatus,
  /** The overrides as submitted (`key=value`), for display. */
  overrides: v.array(v.string()),
  /** The compiled run config (`RunConfig`). */
  config: v.record(v.string(), v.unknown()),
  tasks: JobTasks,
  total: v.number(),
  created_at: v.number(),
  started_at: v.nullable(v.number()),
  ended_at: v.nullable(v.number()),
  cancel_requested: v.boolean(),
  error: v.nullable(v.object({ code: v.string(), message: v.string() })),
  idempotency_key: v.nullable(v.string()),
});
export type JobRecord = v.InferOutput<typeof JobRecord>;

/** Counters written by the admitting gateway about once a second, key `progress.<id>`. */
export const JobProgress = v.object({
  admitted: v.number(),
  /** Tasks with a row (each once). */
  results: v.number(),
  ok: v.number(),
  filtered: v.number(),
  error: v.number(),
  in_flight: v.number(),
  prompt_tokens: v.number(),
  completion_tokens: v.number(),
  metrics: v.record(v.string(), v.union([v.number(), v.string()])),
  /** Gateway that admits the job. */
  owner: v.string(),
  updated_at: v.number(),
});
export type JobProgress = v.InferOutput<typeof JobProgress>;

/** A job lease, key `lease.<id>`: who admits the job until when. */
export const JobLease = v.object({ owner: v.string(), until: v.number() });
export type JobLease = v.InferOutput<typeof JobLease>;

export const parseJobRecord = v.parser(JobRecord);
export const parseJobProgress = v.parser(JobProgress);
export const parseJobLease = v.parser(JobLease);
