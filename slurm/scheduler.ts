// The SLURM client commands (`sbatch`, `squeue`, `scontrol`, `scancel`) run through execa with argument arrays.
import { execa } from "execa";
import { MatrixError } from "../runtime/errors.ts";
import { parseScontrolJobs, parseSqueue, SQUEUE_FORMAT, type TaskState } from "./queue.ts";

/** Extra environment for the SLURM commands (tests point `SLURM_CONF` at their own cluster). */
export type SchedulerOptions = { env?: Record<string, string> };

async function run(cmd: string, args: string[], opts: SchedulerOptions, what: string) {
  const r = await execa(cmd, args, { env: opts.env ?? {}, reject: false, timeout: 30_000 });
  if (r.failed && r.exitCode === undefined) {
    throw new MatrixError("slurm", `${what}: cannot run ${cmd} (${r.code ?? r.shortMessage}); is SLURM installed on this node?`);
  }
  return r;
}

/**
 * Submits a script; returns the job id (`sbatch --parsable`). `after` job ids become `--dependency=after:...`.
 * @example const id = await submitScript("/shared/run/nats.sbatch", []);
 */
export async function submitScript(script: string, after: number[], opts: SchedulerOptions = {}): Promise<number> {
  const args = ["--parsable", ...(after.length > 0 ? [`--dependency=after:${after.join(":")}`] : []), script];
  const r = await run("sbatch", args, opts, `sbatch ${script}`);
  const id = /^(\d+)/.exec(String(r.stdout).trim());
  if (r.exitCode !== 0 || !id) throw new MatrixError("slurm", `sbatch ${script} failed: ${String(r.stderr).trim() || String(r.stdout).trim()}`);
  return Number(id[1]);
}

/** Live tasks of the given jobs (pending, running, completing) from `squeue`. */
export async function queuedTasks(jobIds: number[], opts: SchedulerOptions = {}): Promise<TaskState[]> {
  if (jobIds.length === 0) return [];
  const r = await run("squeue", ["--noheader", "--array", `--jobs=${jobIds.join(",")}`, `--format=${SQUEUE_FORMAT}`], opts, "squeue");
  // squeue exits 1 when none of the ids is known any more: that is an empty queue, not a failure.
  if (r.exitCode !== 0 && !/Invalid job id/i.test(String(r.stderr))) throw new MatrixError("slurm", `squeue failed: ${String(r.stderr).trim()}`);
  return parseSqueue(String(r.stdout));
}

/** Every task of a job that slurmctld still remembers, finished ones included (`scontrol show job -o`). */
export async function rememberedTasks(jobId: number, opts: SchedulerOptions = {}): Promise<TaskState[]> {
  const r = await run("scontrol", ["show", "job", "-o", String(jobId)], opts, "scontrol");
  if (r.exitCode !== 0) return [];
  return parseScontrolJobs(String(r.stdout));
}

/** Cancels the given jobs (whole arrays), or sends them a signal (`--signal=USR1 --batch` for a pre-emption drill). */
export async function cancelJobs(jobIds: (number | string)[], opts: SchedulerOptions & { signal?: string; batchOnly?: boolean } = {}): Promise<void> {
  if (jobIds.length === 0) return;
  const args = [...(opts.signal ? [`--signal=${opts.signal}`] : []), ...(opts.batchOnly ? ["--batch"] : []), ...jobIds.map(String)];
  const r = await run("scancel", args, opts, "scancel");
  if (r.exitCode !== 0 && !/Invalid job id|already completed/i.test(String(r.stderr))) {
    throw new MatrixError("slurm", `scancel failed: ${String(r.stderr).trim()}`);
  }
}
