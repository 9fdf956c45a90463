// `matrix slurm logs GROUP [--index I]`: the log file of one task of a group.
import { readFileSync } from "node:fs";
import { ConfigError } from "../runtime/errors.ts";
import type { RunRecord } from "./record.ts";
import { runFiles } from "./render.ts";

/** Path of the log of task `index` of `group` (index 0 for single jobs; the batch log for a NATS cluster). */
export function logPath(runDir: string, record: RunRecord, group: string, index: number): string {
  const job = record.jobs.find((j) => j.group === group);
  if (!job) throw new ConfigError(`no group "${group}" in this deployment (groups: ${record.jobs.map((j) => j.group).join(", ")})`);
  if (!Number.isInteger(index) || index < 0 || index >= Math.max(job.tasks, group === "nats" ? 3 : 1)) {
    throw new ConfigError(`--index ${index}: group "${group}" has tasks 0-${job.tasks - 1}`);
  }
  return runFiles(runDir).log(group, index);
}

/** Reads a task's log; a task that has not started yet has none. */
export function readLog(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
