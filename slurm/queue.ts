// Parsers of `squeue` and `scontrol show job -o` output: the state of every task of the jobs a deployment started.
import { expandTaskIds } from "./hostlist.ts";

/** One job or array task as SLURM reports it. */
export type TaskState = {
  /** The id `sbatch` returned (the array job id for arrays). */
  jobId: number;
  /** Array task index; undefined for a job that is not an array. */
  taskId: number | undefined;
  /** `PENDING`, `RUNNING`, `COMPLETING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, ... */
  state: string;
  reason: string;
  nodes: string;
  /** `code:signal` from scontrol (`0:0`); undefined from squeue. */
  exitCode: string | undefined;
};

/** The `--format` that `parseSqueue` reads: array job id, task id, state, reason, nodes. */
export const SQUEUE_FORMAT = "%F|%K|%T|%r|%N";

function taskIds(spec: string): (number | undefined)[] {
  if (spec === "" || spec === "N/A") return [undefined];
  return expandTaskIds(spec);
}

/**
 * Parses `squeue --noheader --array --format='%F|%K|%T|%r|%N'` output. A pending array that SLURM has not split
 * yet reports a range (`0-3` or `[0-3%2]`); it yields one entry per task.
 */
export function parseSqueue(text: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const [job = "", task = "", state = "", reason = "", nodes = ""] = line.trim().split("|");
    if (!/^\d+$/.test(job)) continue;
    for (const taskId of taskIds(task)) out.push({ jobId: Number(job), taskId, state, reason, nodes, exitCode: undefined });
  }
  return out;
}

/** Splits one `scontrol -o` record into its `Key=Value` fields (values may contain spaces). */
export function parseScontrolRecord(line: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const keys = [...line.matchAll(/(?:^|\s)([A-Za-z][\w:/]*)=/g)];
  keys.forEach((m, i) => {
    const start = m.index + m[0].length;
    const end = i + 1 < keys.length ? keys[i + 1]!.index : line.length;
    fields[m[1]!] = line.slice(start, end).trim();
  });
  return fields;
}

/** Parses `scontrol show job -o JOBID` output: one record per task (a pending array range yields one per task). */
export function parseScontrolJobs(text: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("JobId=")) continue;
    const f = parseScontrolRecord(line);
    const arrayJob = f.ArrayJobId;
    const jobId = Number(arrayJob ?? f.JobId);
    for (const taskId of arrayJob === undefined ? [undefined] : taskIds(f.ArrayTaskId ?? "")) {
      out.push({ jobId, taskId, state: f.JobState ?? "UNKNOWN", reason: f.Reason ?? "", nodes: f.NodeList ?? "", exitCode: f.ExitCode });
    }
  }
  return out;
}

/** Counts of a group's tasks by what matters to an operator. */
export type StateCounts = { pending: number; running: number; completed: number; failed: number; cancelled: number; gone: number };

const FAILED = new Set(["FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED"]);

/** Buckets task states; `expected` tasks missing from both views count as `gone` (purged after finishing). */
export function countStates(tasks: TaskState[], expected: number): StateCounts {
  const c: StateCounts = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, gone: 0 };
  for (const t of tasks) {
    const s = t.state.split(/[\s+]/)[0]!;
    if (s === "PENDING" || s === "REQUEUED" || s === "REQUEUE_HOLD" || s === "REQUEUE_FED" || s === "CONFIGURING") c.pending++;
    else if (s === "RUNNING" || s === "COMPLETING" || s === "SUSPENDED" || s === "STAGE_OUT") c.running++;
    else if (s === "COMPLETED") c.completed++;
    else if (s === "CANCELLED") c.cancelled++;
    else if (FAILED.has(s)) c.failed++;
  }
  c.gone = Math.max(0, expected - tasks.length);
  return c;
}

/**
 * Merges the two views: squeue is authoritative for live tasks; scontrol adds finished ones it still remembers.
 */
export function mergeTaskStates(live: TaskState[], remembered: TaskState[]): TaskState[] {
  const key = (t: TaskState) => `${t.jobId}_${t.taskId ?? ""}`;
  const byKey = new Map(remembered.map((t) => [key(t), t]));
  for (const t of live) byKey.set(key(t), { ...t, exitCode: byKey.get(key(t))?.exitCode });
  return [...byKey.values()];
}
