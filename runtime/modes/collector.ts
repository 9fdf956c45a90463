// What both run modes keep about their output: the JSONL writer (with resume), row counters, metrics and the summary.
import type { RunConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { JsonlResultWriter, readExistingRows } from "../output.ts";
import type { RowStatus } from "../sink.ts";
import { countTasks } from "../source.ts";
import type { MetricsReducer, WorkflowDefinition } from "../workflow.ts";

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

export type Tokens = { prompt: number; completion: number };

/** The output side of a run: rows already in the file, the writer that appends new ones, and the counters. */
export class RunCollector {
  readonly writer: JsonlResultWriter;
  readonly total: number;
  /** Tasks whose rows were in the output file when the run started. */
  readonly existing: ReadonlySet<string>;
  readonly fileCounts = { ok: 0, filtered: 0, error: 0 };
  readonly counts = { done: 0, ok: 0, filtered: 0, error: 0, skipped: 0 };
  readonly #metrics: MetricsReducer;
  readonly #config: RunConfig;
  readonly #started = performance.now();

  private constructor(config: RunConfig, wf: WorkflowDefinition, rows: Record<string, unknown>[], total: number) {
    this.#config = config;
    this.#metrics = wf.metrics();
    this.total = total;
    for (const row of rows) {
      this.#metrics.add(row);
      const s = row.status as RowStatus;
      if (s in this.fileCounts) this.fileCounts[s]++;
    }
    const tasks = rows.map((r) => r.task as string);
    this.existing = new Set(tasks);
    this.writer = new JsonlResultWriter(config.output.path, tasks);
    this.counts.skipped = rows.length;
  }

  /** Reads the rows already in the output (cutting a partial last line) and counts the dataset's tasks. */
  static async open(config: RunConfig, wf: WorkflowDefinition, log: Logger): Promise<RunCollector> {
    const existing = readExistingRows(config.output.path);
    if (existing.repairedBytes > 0) {
      log.warn("cut a partial last line from the output (an interrupted write)", { path: config.output.path, bytes: existing.repairedBytes });
    }
    const total = await countTasks(config.dataset.path, config.dataset.limit, config.trials);
    return new RunCollector(config, wf, existing.rows, total);
  }

  /** Writes a row unless `output.success_only` drops it. */
  write(task: string, row: Record<string, unknown>, line?: string): void {
    if (!this.#config.output.success_only || row.status === "ok") this.writer.write(task, row, line);
  }

  /** Counts a task that reached its end in this run (written, or dropped by success_only). */
  record(row: Record<string, unknown>): void {
    this.counts.done++;
    const s = row.status as RowStatus;
    if (s in this.counts) this.counts[s]++;
    if (!this.#config.output.success_only || s === "ok") this.fileCounts[s]++;
    this.#metrics.add(row);
  }

  get elapsedMs(): number {
    return performance.now() - this.#started;
  }

  progress(inFlight: number, tokens: Tokens): RunProgress {
    return {
      total: this.total,
      skipped: this.counts.skipped,
      done: this.counts.done,
      ok: this.counts.ok,
      filtered: this.counts.filtered,
      error: this.counts.error,
      inFlight,
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      elapsedMs: this.elapsedMs,
    };
  }

  summary(run: string, tokens: Tokens, usageByRole: Record<string, unknown>, interrupted: boolean): RunSummary {
    const elapsed = this.elapsedMs / 1000;
    const c = this.counts;
    return {
      workflow: this.#config.workflow,
      run,
      output: this.#config.output.path,
      total: this.total,
      skipped: c.skipped,
      written: c.done,
      ok: c.ok,
      filtered: c.filtered,
      error: c.error,
      file: this.fileCounts,
      elapsed_s: round(elapsed, 3),
      tasks_per_s: round(c.done / Math.max(elapsed, 1e-9), 2),
      tokens: {
        prompt: tokens.prompt,
        completion: tokens.completion,
        per_s: round((tokens.prompt + tokens.completion) / Math.max(elapsed, 1e-9), 1),
      },
      usage_by_role: usageByRole,
      metrics: this.#metrics.summary(),
      interrupted,
    };
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Tokens a row reports: its per-role `usage` map, or a flat `usage` (a workflow's own). */
export function rowTokens(row: Record<string, unknown>): Tokens {
  const u = row.usage as Record<string, unknown> | undefined;
  const out = { prompt: 0, completion: 0 };
  if (!u || typeof u !== "object") return out;
  const add = (x: unknown) => {
    const r = x as { prompt_tokens?: unknown; completion_tokens?: unknown };
    if (typeof r?.prompt_tokens === "number") out.prompt += r.prompt_tokens;
    if (typeof r?.completion_tokens === "number") out.completion += r.completion_tokens;
  };
  if (typeof u.prompt_tokens === "number" || typeof u.completion_tokens === "number") add(u);
  else for (const x of Object.values(u)) add(x);
  return out;
}
