// The source: reads the dataset, expands trials, and admits first hops under max_concurrent_tasks.
import type { AdmissionGate } from "./admission.ts";
import { countDatasetItems, readDatasetBatches, type DatasetItem } from "./dataset.ts";
import { ensureError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { ENVELOPE_VERSION, SINK, type Envelope } from "./message/envelope.ts";
import { deriveSeed } from "./seed.ts";
import type { WorkflowDefinition } from "./workflow.ts";

export type SourceOptions = {
  run: string;
  workflow: WorkflowDefinition;
  params: Record<string, unknown>;
  dataset: { path: string; limit: number | null; id_key: string };
  /** Rows to read instead of the dataset file (inline tasks of a gateway job); `dataset.path` then only names them. */
  items?: AsyncIterable<DatasetItem>;
  trials: number;
  seed: number;
  gate: AdmissionGate;
  /** True when the task's row is already in the output (resume). */
  isDone(task: string): boolean;
  /** Publishes a first hop (to the first role, or to the sink for a row that cannot start). */
  publish(msg: Envelope): Promise<void>;
  log: Logger;
  signal?: AbortSignal;
  /**
   * First hops being published at once (default `PUBLISH_WINDOW`). Over NATS each publish waits for the stream's
   * ack; on the embedded bus a publish runs the first hop up to its first wait. Either way the source need not
   * wait for one before admitting the next task. 1 publishes one after the other.
   */
  publishWindow?: number;
};

export type SourceStats = { admitted: number; skipped: number };

/** First hops in flight at once by default. */
export const PUBLISH_WINDOW = 256;

/** The stable id of a task: the row's key and the trial. */
export function taskId(key: string, trial: number): string {
  return `${key}:${trial}`;
}

function rowKey(row: Record<string, unknown>, idKey: string, line: number): string {
  const id = row[idKey];
  return typeof id === "string" || typeof id === "number" ? String(id) : `L${line}`;
}

/** Counts the tasks a dataset yields (for progress and ETA), without parsing rows. */
export async function countTasks(path: string, limit: number | null, trials: number): Promise<number> {
  return (await countDatasetItems(path, limit)) * trials;
}

export function newEnvelope(opts: { run: string; workflow: string; task: string; trial: number; seed: number; first: string; input: unknown; state: Record<string, unknown> }): Envelope {
  const now = Date.now();
  return {
    v: ENVELOPE_VERSION,
    run: opts.run,
    task: opts.task,
    trial: opts.trial,
    seed: opts.seed,
    workflow: opts.workflow,
    hop: 0,
    next: opts.first,
    state: opts.state,
    input: opts.input,
    history: [],
    leases: [],
    attempts: 0,
    created_at: now,
    updated_at: now,
  };
}

/** Runs the source to the end of the dataset (or until aborted). */
export async function runSource(opts: SourceOptions): Promise<SourceStats> {
  const stats: SourceStats = { admitted: 0, skipped: 0 };
  const window = Math.max(1, opts.publishWindow ?? PUBLISH_WINDOW);
  // Publishes in flight, counted; the source waits only when `window` of them are (no promise per publish).
  let pending = 0;
  let failed: { err: unknown } | undefined;
  let wake: (() => void) | undefined;
  const settled = () => {
    pending--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onFailure = (err: unknown) => {
    failed ??= { err };
    settled();
  };
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise<void>((r) => (wake = r));
  };
  /** Publishes a first hop; returns a promise only when the source must wait before the next one. */
  const publish = (msg: Envelope): Promise<void> | undefined => {
    if (failed) throw failed.err;
    if (window === 1) return opts.publish(msg);
    pending++;
    opts.publish(msg).then(settled, onFailure);
    if (pending < window) return undefined;
    return until(() => pending < window).then(() => {
      if (failed) throw failed.err;
    });
  };
  try {
    await readSource(opts, stats, publish);
  } finally {
    await until(() => pending === 0);
  }
  if (failed) throw failed.err;
  return stats;
}

/** Bytes per dataset read in the source: a few thousand rows per batch. */
const SOURCE_CHUNK_BYTES = 256 * 1024;

async function* single(items: AsyncIterable<DatasetItem>): AsyncGenerator<DatasetItem[]> {
  for await (const item of items) yield [item];
}

async function readSource(opts: SourceOptions, stats: SourceStats, publish: (msg: Envelope) => Promise<void> | undefined): Promise<void> {
  const wf = opts.workflow;
  const seenKeys = new Set<string>();
  // Rows come in batches and a free slot is taken without a promise: after a wave of tasks finishing, the source
  // refills every free slot at once instead of one task per turn of the microtask queue. The next batch is read
  // while this one is admitted: a busy process serves a file read late, and waiting for it would leave slots empty.
  const batches = opts.items ? single(opts.items) : readDatasetBatches(opts.dataset.path, opts.dataset.limit, SOURCE_CHUNK_BYTES);
  let next = batches.next();
  try {
    for (;;) {
      const got = await next;
      if (got.done === true) break;
      const batch = got.value;
      next = batches.next();
      // Marked handled now: a read error surfaces at the await above, not as an unhandled rejection meanwhile.
      next.catch(() => {});
      for (const item of batch) {
        if (opts.signal?.aborted) return;
        let key = "row" in item ? rowKey(item.row, opts.dataset.id_key, item.line) : `L${item.line}`;
        if (seenKeys.has(key)) {
          // Two rows with one key would share task ids and one row would vanish: key the later one by line.
          const renamed = `${key}@L${item.line}`;
          opts.log.warn("duplicate row key", { key, line: item.line, task_key: renamed });
          key = renamed;
        }
        seenKeys.add(key);
        for (let trial = 0; trial < opts.trials; trial++) {
          const task = taskId(key, trial);
          if (opts.isDone(task)) {
            stats.skipped++;
            continue;
          }
          if (!opts.gate.tryAcquire() && !(await opts.gate.acquire())) return;
          const msg = newEnvelope({
            run: opts.run,
            workflow: wf.name,
            task,
            trial,
            seed: deriveSeed(opts.seed, task),
            first: wf.first,
            input: "row" in item ? item.row : null,
            state: {},
          });
          if ("error" in item) {
            msg.source_error = item.error;
            msg.next = SINK;
          } else {
            try {
              msg.state = wf.init(item.row, opts.params);
            } catch (raw) {
              const err = ensureError(raw);
              msg.source_error = { code: err.code === "internal" ? "bad_input" : err.code, message: `${opts.dataset.path.split("/").pop()}:${item.line}: ${err.message}` };
              msg.next = SINK;
            }
          }
          const wait = publish(msg);
          if (wait !== undefined) await wait;
          stats.admitted++;
        }
      }
    }
  } finally {
    await batches.return(undefined).catch(() => {});
  }
}
