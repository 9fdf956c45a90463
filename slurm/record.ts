// The run directory's `jobs.json`: which jobs `matrix slurm up` started, so status, logs and down touch only those.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import * as v from "valibot";
import { ConfigError } from "../runtime/errors.ts";
import { runFiles } from "./render.ts";

export const SubmittedJob = v.object({
  group: v.string(),
  kind: v.picklist(["nats", "service-manager", "agent", "gateway"]),
  job_id: v.number(),
  tasks: v.number(),
  script: v.string(),
});
export type SubmittedJob = v.InferOutput<typeof SubmittedJob>;

export const RunRecord = v.object({
  deployment: v.string(),
  source: v.string(),
  namespace: v.string(),
  submitted_at: v.string(),
  /** NATS as deployed: started here (monitoring port known) or an existing URL. */
  nats: v.object({ started: v.boolean(), url: v.optional(v.string()), http_port: v.optional(v.number()) }),
  /** The gateway's tokens file, when the deployment has a gateway (its URL is in `gateway.url` once it listens). */
  gateway: v.optional(v.object({ tokens_file: v.string() })),
  jobs: v.array(SubmittedJob),
  cancelled_at: v.optional(v.string()),
});
export type RunRecord = v.InferOutput<typeof RunRecord>;

/** Writes the record atomically (a crash mid-write never leaves half a file for `down` to misread). */
export function writeRecord(runDir: string, record: RunRecord): void {
  const path = runFiles(runDir).jobs;
  writeFileSync(`${path}.tmp`, JSON.stringify(record, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
}

/** Reads the record of a run directory; undefined when nothing was submitted there. */
export function readRecord(runDir: string): RunRecord | undefined {
  const path = runFiles(runDir).jobs;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const r = v.safeParse(RunRecord, JSON.parse(text));
  if (!r.success) throw new ConfigError(`${path}: not a matrix run record (${v.summarize(r.issues).split("\n")[0]})`);
  return r.output;
}

/** Reads the record or fails with the one-line hint users need. */
export function requireRecord(runDir: string): RunRecord {
  const rec = readRecord(runDir);
  if (!rec) throw new ConfigError(`no deployment recorded in ${runDir} (start one with matrix slurm up deploy.yaml, or pass --run-dir)`);
  return rec;
}
