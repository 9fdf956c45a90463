// The DB part of the reward: replay the gold actions on a fresh database and compare with the actual one.
import { dbDiff, type TaskDb } from "./db.ts";
import type { Domain } from "./domain.ts";
import { initialDb, taskDb } from "./initial.ts";
import { goldActions, type Tau2Task } from "./task.ts";
import { runTool, type ToolInvocation } from "./toolkit.ts";

/** A gold action the tools rejected (the data makes it invalid); it is skipped, as in the reference. */
export type GoldFailure = { index: number; name: string; error: string };

/** The database after the task's gold actions, and the gold actions that failed. */
export function goldDb(domain: Domain, task: Tau2Task): { db: TaskDb; failures: GoldFailure[] } {
  const db = initialDb(domain, task.initial_state);
  const failures: GoldFailure[] = [];
  goldActions(task).forEach((a, index) => {
    // Actions of the user side act on the user's own environment, which is not simulated.
    if (a.requestor === "user") return;
    const out = runTool(domain.toolkit, db, { name: a.name, arguments: a.arguments });
    if (!out.ok) failures.push({ index, name: a.name, error: out.content });
  });
  return { db, failures };
}

/** Result of comparing final databases: equal or not, which records differ, which gold actions failed. */
export type DbCheck = { db_match: boolean; diff: string[]; gold_failures: GoldFailure[] };

/** Compares the database after the assistant's successful writes with the gold database. */
export function checkDb(domain: Domain, task: Tau2Task, writes: readonly ToolInvocation[]): DbCheck {
  const gold = goldDb(domain, task);
  const actual = taskDb(domain, task.initial_state, writes);
  const diff = dbDiff(gold.db, actual);
  return { db_match: diff.length === 0, diff, gold_failures: gold.failures };
}
