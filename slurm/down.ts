// `matrix slurm down`: cancels every job the run directory records (whole arrays), and nothing else.
import { MatrixError } from "../runtime/errors.ts";
import { writeRecord, type RunRecord } from "./record.ts";
import { cancelJobs, queuedTasks, type SchedulerOptions } from "./scheduler.ts";

/** Cancels the recorded jobs and waits (up to `timeoutMs`) until squeue no longer lists any of their tasks. */
export async function deploymentDown(runDir: string, record: RunRecord, opts: SchedulerOptions & { timeoutMs?: number } = {}): Promise<number> {
  const ids = record.jobs.map((j) => j.job_id);
  await cancelJobs(ids, opts);
  record.cancelled_at = new Date().toISOString();
  writeRecord(runDir, record);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const live = await queuedTasks(ids, opts);
    if (live.length === 0) return ids.length;
    if (Date.now() > deadline) throw new MatrixError("slurm", `${live.length} task(s) still listed by squeue after scancel (states: ${[...new Set(live.map((t) => t.state))].join(", ")})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
