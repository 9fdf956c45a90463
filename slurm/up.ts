// `matrix slurm up`: renders the scripts into the run directory and submits them in dependency order.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { ConfigError, ensureError } from "../runtime/errors.ts";
import type { Deployment } from "./deploy.ts";
import { ensureGatewayTokens } from "./gateway-tokens.ts";
import { readRecord, writeRecord, type RunRecord } from "./record.ts";
import { renderDeployment, runFiles, type RenderedJob } from "./render.ts";
import { cancelJobs, queuedTasks, submitScript, type SchedulerOptions } from "./scheduler.ts";

/**
 * Writes every script (and the log directories) into the run directory, and the gateway's token file when `up` owns
 * it; returns the jobs in submission order.
 */
export function writeScripts(d: Deployment): RenderedJob[] {
  const jobs = renderDeployment(d);
  const files = runFiles(d.runDir);
  mkdirSync(d.runDir, { recursive: true });
  if (d.gateway) ensureGatewayTokens(d.gateway);
  for (const j of jobs) {
    mkdirSync(files.logDir(j.group), { recursive: true });
    writeFileSync(j.script, j.text, { mode: 0o755 });
  }
  return jobs;
}

/**
 * Submits a deployment: NATS first, then every other job with `--dependency=after:<nats>`. Job ids are recorded
 * after each submission, so `down` can cancel a half-started deployment; if a submission fails, the jobs already
 * submitted are cancelled and the error is raised.
 */
export async function deploymentUp(d: Deployment, opts: SchedulerOptions = {}): Promise<RunRecord> {
  const previous = readRecord(d.runDir);
  if (previous && previous.cancelled_at === undefined) {
    const live = await queuedTasks(previous.jobs.map((j) => j.job_id), opts);
    if (live.length > 0) {
      throw new ConfigError(`${d.runDir} already has ${live.length} live task(s) of "${previous.deployment}": run matrix slurm down --run-dir ${d.runDir} first`);
    }
  }
  const jobs = writeScripts(d);
  const files = runFiles(d.runDir);
  rmSync(files.natsUrl, { force: true });
  rmSync(files.gatewayUrl, { force: true });
  const record: RunRecord = {
    deployment: d.name,
    source: d.source,
    namespace: d.namespace,
    submitted_at: new Date().toISOString(),
    nats: d.nats.kind === "start" ? { started: true, http_port: d.nats.httpPort } : { started: false, url: d.nats.url },
    ...(d.gateway ? { gateway: { tokens_file: d.gateway.tokensFile } } : {}),
    jobs: [],
  };
  let natsJob: number | undefined;
  try {
    for (const j of jobs) {
      const after = j.afterNats && natsJob !== undefined ? [natsJob] : [];
      const id = await submitScript(j.script, after, opts);
      if (j.kind === "nats") natsJob = id;
      record.jobs.push({ group: j.group, kind: j.kind, job_id: id, tasks: j.tasks, script: j.script });
      writeRecord(d.runDir, record);
    }
  } catch (err) {
    const e = ensureError(err);
    try {
      await cancelJobs(record.jobs.map((j) => j.job_id), opts);
      record.cancelled_at = new Date().toISOString();
      writeRecord(d.runDir, record);
    } catch {
      // the submission error is the one to report; `down` can retry the cancel
    }
    throw e;
  }
  return record;
}
