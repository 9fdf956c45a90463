// What a process learns from SLURM's environment: job and array ids, the node list, its share of CPUs and GPUs.
import * as v from "valibot";
import { expandHostlist } from "./hostlist.ts";

const Int = v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number));
const optionalInt = v.optional(Int);

/** The SLURM variables the runtime reads (a subset of what sbatch and srun export). */
export const SlurmEnvVars = v.object({
  SLURM_JOB_ID: Int,
  SLURM_JOB_NAME: v.optional(v.string()),
  SLURM_JOB_NODELIST: v.optional(v.string()),
  SLURM_NODELIST: v.optional(v.string()),
  SLURM_ARRAY_JOB_ID: optionalInt,
  SLURM_ARRAY_TASK_ID: optionalInt,
  SLURM_ARRAY_TASK_COUNT: optionalInt,
  SLURM_ARRAY_TASK_MIN: optionalInt,
  SLURM_ARRAY_TASK_MAX: optionalInt,
  SLURM_PROCID: optionalInt,
  SLURM_NTASKS: optionalInt,
  SLURM_NNODES: optionalInt,
  SLURM_CPUS_ON_NODE: optionalInt,
  SLURM_CPUS_PER_TASK: optionalInt,
  SLURM_GPUS_ON_NODE: optionalInt,
  SLURM_RESTART_COUNT: optionalInt,
  SLURM_SUBMIT_DIR: v.optional(v.string()),
  SLURMD_NODENAME: v.optional(v.string()),
  CUDA_VISIBLE_DEVICES: v.optional(v.string()),
});

/** The job context of a process started by SLURM. */
export type SlurmJob = {
  jobId: number;
  name: string | undefined;
  /** Array job id and this task's index; undefined outside an array. */
  array: { jobId: number; taskId: number; count: number | undefined; min: number | undefined; max: number | undefined } | undefined;
  /** Hosts of the allocation, expanded. */
  nodes: string[];
  /** This node's name. */
  node: string | undefined;
  procId: number;
  ntasks: number | undefined;
  cpus: number | undefined;
  /** GPU indices visible to the process (from `CUDA_VISIBLE_DEVICES`). */
  gpus: number[];
  /** How many times SLURM requeued the job (0 on the first run). */
  restarts: number;
  submitDir: string | undefined;
};

/**
 * Reads the SLURM job context from environment variables; undefined when not running under SLURM.
 * @example slurmJobFromEnv(process.env)?.array?.taskId // the replica index of an array task
 */
export function slurmJobFromEnv(env: Record<string, string | undefined>): SlurmJob | undefined {
  if (env.SLURM_JOB_ID === undefined) return undefined;
  const picked = Object.fromEntries(Object.keys(SlurmEnvVars.entries).flatMap((k) => (env[k] === undefined || env[k] === "" ? [] : [[k, env[k]]])));
  const r = v.safeParse(SlurmEnvVars, picked);
  if (!r.success) {
    const issue = r.issues[0];
    throw new Error(`SLURM environment: ${v.getDotPath(issue) ?? "?"} is not a number (${String(issue.input)})`);
  }
  const e = r.output;
  const nodelist = e.SLURM_JOB_NODELIST ?? e.SLURM_NODELIST;
  const array =
    e.SLURM_ARRAY_JOB_ID !== undefined && e.SLURM_ARRAY_TASK_ID !== undefined
      ? { jobId: e.SLURM_ARRAY_JOB_ID, taskId: e.SLURM_ARRAY_TASK_ID, count: e.SLURM_ARRAY_TASK_COUNT, min: e.SLURM_ARRAY_TASK_MIN, max: e.SLURM_ARRAY_TASK_MAX }
      : undefined;
  const gpus = (e.CUDA_VISIBLE_DEVICES ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
  return {
    jobId: e.SLURM_JOB_ID,
    name: e.SLURM_JOB_NAME,
    array,
    nodes: nodelist ? expandHostlist(nodelist) : [],
    node: e.SLURMD_NODENAME,
    procId: e.SLURM_PROCID ?? 0,
    ntasks: e.SLURM_NTASKS,
    cpus: e.SLURM_CPUS_PER_TASK ?? e.SLURM_CPUS_ON_NODE,
    gpus,
    restarts: e.SLURM_RESTART_COUNT ?? 0,
    submitDir: e.SLURM_SUBMIT_DIR,
  };
}
