// A job as the API shows it: record and progress merged into status, counts, tokens, rate and links.
import type { JobProgress, JobRecord, JobStatus } from "./record.ts";

/** The JSON of `GET /v1/jobs/{id}`. */
export type JobView = {
  id: string;
  workflow: string;
  status: JobStatus;
  cancel_requested: boolean;
  total: number;
  counts: { ok: number; filtered: number; error: number; in_flight: number; done: number; admitted: number };
  tokens: { prompt: number; completion: number };
  tasks_per_s: number;
  metrics: Record<string, number | string>;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: { code: string; message: string } | null;
  overrides: string[];
  links: { self: string; events: string; results: string };
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Merges a job's record and its last progress (absent before a gateway started admitting it). */
export function jobView(job: JobRecord, p: JobProgress | undefined, now = Date.now()): JobView {
  const done = p?.results ?? 0;
  const elapsed = job.started_at === null ? 0 : ((job.ended_at ?? now) - job.started_at) / 1000;
  const self = `/v1/jobs/${job.id}`;
  return {
    id: job.id,
    workflow: job.workflow,
    status: job.status,
    cancel_requested: job.cancel_requested,
    total: job.total,
    counts: {
      ok: p?.ok ?? 0,
      filtered: p?.filtered ?? 0,
      error: p?.error ?? 0,
      in_flight: job.ended_at === null ? (p?.in_flight ?? 0) : 0,
      done,
      admitted: p?.admitted ?? 0,
    },
    tokens: { prompt: p?.prompt_tokens ?? 0, completion: p?.completion_tokens ?? 0 },
    tasks_per_s: elapsed > 0 ? Math.round((done / elapsed) * 100) / 100 : 0,
    metrics: p?.metrics ?? {},
    created_at: iso(job.created_at)!,
    started_at: iso(job.started_at),
    ended_at: iso(job.ended_at),
    error: job.error,
    overrides: job.overrides,
    links: { self, events: `${self}/events`, results: `${self}/results` },
  };
}
