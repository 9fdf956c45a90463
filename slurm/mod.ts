// Front door of slurm/: deployment files, sbatch script rendering, SLURM parsing, and the `matrix slurm` command.
export { expandHostlist, expandTaskIds } from "./hostlist.ts";
export { slurmJobFromEnv, type SlurmJob } from "./env.ts";
export { parseSqueue, parseScontrolJobs, parseScontrolRecord, countStates, mergeTaskStates, type TaskState, type StateCounts } from "./queue.ts";
export { DeploymentInput } from "./deploy-schema.ts";
export { compileDeployment, loadDeployment, type Deployment } from "./deploy.ts";
export { renderDeployment, runFiles, type RenderedJob, type GroupKind } from "./render.ts";
export { deploymentUp, writeScripts } from "./up.ts";
export { deploymentStatus, formatStatus, natsUrlOf, type DeploymentStatus } from "./status.ts";
export { deploymentDown } from "./down.ts";
export { readRecord, requireRecord, type RunRecord } from "./record.ts";
export { slurmCommand, SLURM_HELP } from "./cli.ts";
