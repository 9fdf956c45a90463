// The sink: the last hop. Resolves offloaded fields, maps the message to its row, writes it once per task.
import type { Delivery } from "./bus/types.ts";
import { ensureError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { releaseRefs, resolveAll, type BlobStore } from "./message/blobs.ts";
import { decode } from "./message/codec.ts";
import { parseEnvelope, type Envelope } from "./message/envelope.ts";
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

/** Builds the output row of a finished message. Never throws: a failing output mapping becomes an error row. */
export function buildRow(msg: Envelope, wf: WorkflowDefinition, params: Record<string, unknown>, includeHistory: boolean): Record<string, unknown> {
  const base = {
    task: msg.task,
    trial: msg.trial,
    seed: msg.seed,
  };
  const timing = { hops: msg.hop, started_at: new Date(msg.created_at).toISOString(), duration_ms: Date.now() - msg.created_at };
  const error = msg.error ?? (msg.source_error ? { ...msg.source_error, role: "_source" } : undefined);
  if (error) {
    return {
      ...base,
      status: "error" satisfies RowStatus,
      termination_reason: null,
      error: { code: error.code, message: error.message, role: error.role },
      attempts: msg.attempts,
      usage: usageByRole(msg),
      ...timing,
      ...(includeHistory ? { history: msg.history } : {}),
    };
  }
  try {
    const out = wf.output(msg, params);
    return {
      ...base,
      status: out.status satisfies RowStatus,
      termination_reason: out.reason ?? null,
      // Per-role usage unless the workflow maps its own (inference reports its one call's usage flat).
      usage: usageByRole(msg),
      ...out.fields,
      error: null,
      ...timing,
      ...(includeHistory ? { history: msg.history } : {}),
    };
  } catch (raw) {
    const err = ensureError(raw);
    return {
      ...base,
      status: "error" satisfies RowStatus,
      termination_reason: null,
      error: { code: "output_mapping", message: err.message, role: "_sink" },
      attempts: msg.attempts,
      usage: usageByRole(msg),
      ...timing,
    };
  }
}

/** The sink's delivery handler. Invariant: a task's row is written at most once, then its blobs are released. */
export function createSinkHandler(opts: SinkOptions): (d: Delivery) => Promise<void> {
  // Tasks whose rows success_only dropped: not in the writer, but done for this run.
  const dropped = new Set<string>();
  return async (d) => {
    let msg: Envelope;
    try {
      msg = parseEnvelope(decode(d.data));
    } catch (err) {
      opts.log.error("sink dropping undecodable message", { error: ensureError(err).message });
      await d.fail("undecodable");
      return;
    }
    if (opts.writer.has(msg.task) || dropped.has(msg.task)) {
      opts.onDuplicate?.(msg.task);
      await d.ack();
      return;
    }
    let refs: Awaited<ReturnType<typeof resolveAll>> = [];
    try {
      refs = await resolveAll(msg, opts.blobs);
    } catch (raw) {
      const err = ensureError(raw);
      msg.error ??= { code: err.code, message: err.message, role: "_sink" };
    }
    const row = buildRow(msg, opts.workflow, opts.params, opts.includeHistory);
    if (!opts.successOnly || row.status === "ok") opts.writer.write(msg.task, row);
    else dropped.add(msg.task);
    opts.onRow?.(row, msg);
    await releaseRefs(msg, refs, opts.blobs);
    await d.ack();
  };
}
