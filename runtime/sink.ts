// The sink: the last hop. Resolves offloaded fields, maps the message to its row, writes it once per task.
import type { Delivery } from "./bus/types.ts";
import { ensureError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { hasRefs, releaseRefs, resolveAll, type BlobStore } from "./message/blobs.ts";
import type { Envelope } from "./message/envelope.ts";
import { readDelivery, rejectDelivery } from "./host.ts";
import { releaseSandboxLeases } from "./sandbox/registry.ts";
import type { ResultWriter } from "./output.ts";
import type { WorkflowDefinition } from "./workflow.ts";

export type RowStatus = "ok" | "filtered" | "error";

export type SinkOptions = {
  workflow: WorkflowDefinition;
  params: Record<string, unknown>;
  writer: ResultWriter;
  blobs: BlobStore;
  successOnly: boolean;
  includeHistory: boolean;
  log: Logger;
  /** Called once per task that reached the sink (written, or dropped by success_only). */
  onRow?: (row: Record<string, unknown>, msg: Envelope) => void;
  /** Called for a task that was already written (a redelivered final hop). */
  onDuplicate?: (task: string) => void;
};

/** Token usage per role, summed from the history. */
export function usageByRole(msg: Envelope): Record<string, { prompt_tokens: number; completion_tokens: number; calls: number }> {
  const out: Record<string, { prompt_tokens: number; completion_tokens: number; calls: number }> = {};
  for (const t of msg.history) {
    if (!t.usage) continue;
    const u = (out[t.role] ??= { prompt_tokens: 0, completion_tokens: 0, calls: 0 });
    u.prompt_tokens += t.usage.prompt_tokens;
    u.completion_tokens += t.usage.completion_tokens;
    u.calls++;
  }
  return out;
}

type Row = Record<string, unknown>;

// Rows are built by assignment in a fixed key order (no object spreads): the sink runs once per task, and at tens
// of thousands of tasks a second spreads of fresh shapes showed up in profiles.
function rowHead(msg: Envelope, status: RowStatus, reason: string | null): Row {
  return { task: msg.task, trial: msg.trial, seed: msg.seed, status, termination_reason: reason };
}

function rowTail(row: Row, msg: Envelope, includeHistory: boolean): Row {
  row.hops = msg.hop;
  row.started_at = new Date(msg.created_at).toISOString();
  row.duration_ms = Date.now() - msg.created_at;
  if (includeHistory) row.history = msg.history;
  return row;
}

function errorRow(msg: Envelope, error: { code: string; message: string; role: string }, includeHistory: boolean): Row {
  const row = rowHead(msg, "error", null);
  row.error = { code: error.code, message: error.message, role: error.role };
  row.attempts = msg.attempts;
  row.usage = usageByRole(msg);
  return rowTail(row, msg, includeHistory);
}

/** Builds the output row of a finished message. Never throws: a failing output mapping becomes an error row. */
export function buildRow(msg: Envelope, wf: WorkflowDefinition, params: Record<string, unknown>, includeHistory: boolean): Row {
  if (msg.error) return errorRow(msg, msg.error, includeHistory);
  if (msg.source_error) return errorRow(msg, { ...msg.source_error, role: "_source" }, includeHistory);
  let out: ReturnType<WorkflowDefinition["output"]>;
  try {
    out = wf.output(msg, params);
  } catch (raw) {
    return errorRow(msg, { code: "output_mapping", message: ensureError(raw).message, role: "_sink" }, false);
  }
  const row = rowHead(msg, out.status, out.reason ?? null);
  // Per-role usage unless the workflow maps its own (inference reports its one call's usage flat).
  row.usage = usageByRole(msg);
  for (const k in out.fields) row[k] = out.fields[k];
  row.error = null;
  return rowTail(row, msg, includeHistory);
}

const NOTHING_TO_RELEASE = (): Promise<void> => Promise.resolve();

/** What the sink needs to turn one finished message into its row. */
export type SinkTarget = {
  workflow: WorkflowDefinition;
  params: Record<string, unknown>;
  blobs: BlobStore;
  includeHistory: boolean;
};

/**
 * Builds the row of a finished message: resolves its offloaded fields (a missing blob makes an error row) and
 * maps it. `release` deletes the message's blobs and releases its sandbox leases; call it only after the row is stored.
 */
export async function sinkRow(msg: Envelope, t: SinkTarget): Promise<{ row: Record<string, unknown>; release: () => Promise<void> }> {
  let refs: Awaited<ReturnType<typeof resolveAll>> = [];
  if (hasRefs(msg)) {
    try {
      refs = await resolveAll(msg, t.blobs);
    } catch (raw) {
      const err = ensureError(raw);
      msg.error ??= { code: err.code, message: err.message, role: "_sink" };
    }
  }
  const row = buildRow(msg, t.workflow, t.params, t.includeHistory);
  // A task without blobs or sandboxes has nothing to give back.
  if (refs.length === 0 && msg.leases.length === 0) return { row, release: NOTHING_TO_RELEASE };
  return {
    row,
    release: async () => {
      try {
        await releaseRefs(msg, refs, t.blobs);
      } finally {
        // Every row, error rows included, gives back the task's sandboxes.
        await releaseSandboxLeases(msg);
      }
    },
  };
}

/** The sink's delivery handler. Invariant: a task's row is written at most once, then its blobs are released. */
export function createSinkHandler(opts: SinkOptions): (d: Delivery) => Promise<void> {
  // Tasks whose rows success_only dropped: not in the writer, but done for this run.
  const dropped = new Set<string>();
  return async (d) => {
    let msg: Envelope;
    try {
      msg = readDelivery(d);
    } catch (err) {
      await rejectDelivery(d, err, opts.log);
      return;
    }
    if (opts.writer.has(msg.task) || dropped.has(msg.task)) {
      opts.onDuplicate?.(msg.task);
      await d.ack();
      return;
    }
    const { row, release } = await sinkRow(msg, opts);
    if (!opts.successOnly || row.status === "ok") opts.writer.write(msg.task, row);
    else dropped.add(msg.task);
    opts.onRow?.(row, msg);
    await release();
    await d.ack();
  };
}
