// A task's database: the domain's base, the task's initial state, then the write calls applied so far.
// Dependency-free at run time (type-only imports): the sandboxed tool runner imports it.
import { TaskDb } from "./db.ts";
import type { Domain } from "./domain.ts";
import type { InitialState } from "./task.ts";
import { runTool, type ToolInvocation } from "./toolkit.ts";

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Deep merge as the reference's `update_db`: objects merge key by key, everything else is replaced. */
function merge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    const cur = target[k];
    if (isRecord(cur) && isRecord(v)) merge(cur, v);
    else target[k] = structuredClone(v);
  }
}

/**
 * The database a task's conversation starts from: `initialization_data.agent_data` merged in, then the
 * assistant-side `initialization_actions` and the tool calls of the pre-existing `message_history` applied.
 * User-side environment actions are not simulated (no user database).
 */
export function initialDb(domain: Domain, initial: InitialState | null | undefined): TaskDb {
  const db = new TaskDb(domain.db);
  const data = initial?.initialization_data?.agent_data;
  if (data) {
    for (const [table, rows] of Object.entries(data)) {
      if (!isRecord(rows)) continue;
      for (const [id, patch] of Object.entries(rows)) {
        if (!isRecord(patch)) continue;
        const rec = db.mut<Record<string, unknown>>(table, id);
        if (rec) merge(rec, patch);
        else db.put(table, id, structuredClone(patch));
      }
    }
  }
  for (const a of initial?.initialization_actions ?? []) {
    if (a.env_type === "assistant") runTool(domain.toolkit, db, { name: a.func_name, arguments: a.arguments });
  }
  for (const m of initial?.message_history ?? []) {
    if (m.role !== "assistant") continue;
    for (const c of m.tool_calls ?? []) runTool(domain.toolkit, db, { name: c.name, arguments: c.arguments });
  }
  return db;
}

/** The task's database after `writes` (the successful write calls of the conversation, in order). */
export function taskDb(domain: Domain, initial: InitialState | null | undefined, writes: readonly ToolInvocation[]): TaskDb {
  const db = initialDb(domain, initial);
  for (const w of writes) runTool(domain.toolkit, db, w);
  return db;
}
