// The `#SBATCH` header of a job script and shell quoting: small pure pieces of script rendering.
import type { Resources } from "./deploy.ts";

/** Quotes a word for bash only when it needs it, so scripts stay readable. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What a job asks SLURM for, beyond its group's resources. */
export type JobShape = {
  jobName: string;
  /** Array size; undefined for a single job. */
  array: number | undefined;
  /** Log file pattern (`%a` is the array index). */
  output: string;
  nodes?: number;
  gpus?: number;
  /** Options specific to the kind of job (`--signal`, `--requeue`), written before the user's extras. */
  options?: string[];
};

/** Renders the `#SBATCH` lines: job shape first, then scheduling keys, then the user's extra lines verbatim. */
export function sbatchHeader(shape: JobShape, r: Resources): string[] {
  const lines = [`--job-name=${shape.jobName}`];
  if (shape.array !== undefined) lines.push(`--array=0-${shape.array - 1}`);
  if (shape.nodes !== undefined && shape.nodes > 1) lines.push(`--nodes=${shape.nodes}`, "--ntasks-per-node=1");
  else lines.push("--ntasks=1");
  if (r.cpus !== undefined) lines.push(`--cpus-per-task=${r.cpus}`);
  if (r.memory !== undefined) lines.push(`--mem=${r.memory}`);
  if (shape.gpus !== undefined && shape.gpus > 0) lines.push(`--gres=gpu:${shape.gpus}`);
  if (r.time !== undefined) lines.push(`--time=${r.time}`);
  if (r.partition !== undefined) lines.push(`--partition=${r.partition}`);
  if (r.account !== undefined) lines.push(`--account=${r.account}`);
  if (r.qos !== undefined) lines.push(`--qos=${r.qos}`);
  lines.push(`--output=${shape.output}`, "--open-mode=append");
  lines.push(...(shape.options ?? []), ...r.extra);
  return lines.map((l) => `#SBATCH ${l}`);
}

/** `export K=V` lines for a group's environment, then its setup lines. */
export function preludeLines(r: Resources): string[] {
  const out = Object.entries(r.env).map(([k, val]) => `export ${k}=${shellQuote(val)}`);
  return [...out, ...r.setup];
}
