// `matrix slurm up|status|logs|down|render`: launch a deployment on SLURM, watch it, read its logs, tear it down.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../runtime/errors.ts";
import { loadDeployment } from "./deploy.ts";
import { deploymentDown } from "./down.ts";
import { logPath, readLog } from "./logs.ts";
import { requireRecord } from "./record.ts";
import { runFiles } from "./render.ts";
import { shellQuote } from "./sbatch-header.ts";
import { deploymentStatus, formatStatus } from "./status.ts";
import { deploymentUp, writeScripts } from "./up.ts";

export const SLURM_HELP = `usage: matrix slurm <up|render|status|logs|down> [options]

  up DEPLOY.yaml            render the job scripts into the run directory and submit them in dependency order
                            (NATS first, the rest with --dependency=after:<nats>); records the job ids
  render DEPLOY.yaml        only write the scripts (inspect them, or submit them by hand with sbatch)
  status [--json]           per group: pending, running, completed, failed, cancelled tasks; replicas and agents on NATS
  logs GROUP [--index I]    print the log of task I (default 0) of a group
  down                      cancel every job this deployment started, and nothing else

options:
  --run-dir DIR             run directory of status, logs and down (default: matrix-run in the current directory)
  -h, --help                this help

The deployment file format is described in docs/hpc.md.`;

const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : text + "\n");

/** Runs `matrix slurm ...`; returns the exit code. */
export async function slurmCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "run-dir": { type: "string" },
      index: { type: "string" },
      json: { type: "boolean" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    out(SLURM_HELP);
    return values.help ? 0 : 2;
  }
  const runDir = resolve(values["run-dir"] ?? "matrix-run");
  switch (sub) {
    case "up":
    case "render": {
      const file = rest[0];
      if (!file) throw new ConfigError(`${sub}: expected a deployment file (deploy.yaml)`);
      const d = loadDeployment(file);
      if (sub === "render") {
        for (const j of writeScripts(d)) out(j.script);
        return 0;
      }
      const record = await deploymentUp(d);
      for (const j of record.jobs) out(`submitted ${j.group} (${j.kind}, ${j.tasks} task${j.tasks === 1 ? "" : "s"}): job ${j.job_id}`);
      out(`run directory: ${d.runDir}`);
      if (d.gateway) {
        const token = d.gateway.generateTokens ? `export MATRIX_TOKEN=$(cat ${shellQuote(d.gateway.tokensFile)})` : `tokens in ${d.gateway.tokensFile}`;
        out(`gateway: export MATRIX_GATEWAY=$(cat ${shellQuote(runFiles(d.runDir).gatewayUrl)}) once it listens; ${token}`);
      }
      return 0;
    }
    case "status": {
      const record = requireRecord(runDir);
      const s = await deploymentStatus(runDir, record);
      out(values.json ? JSON.stringify(s) : formatStatus(s, runDir));
      return 0;
    }
    case "logs": {
      const group = rest[0];
      if (!group) throw new ConfigError("logs: expected a group name");
      const index = Number(values.index ?? 0);
      const path = logPath(runDir, requireRecord(runDir), group, index);
      const text = readLog(path);
      if (text === undefined) {
        process.stderr.write(`matrix slurm logs: no log yet at ${path} (the task has not started)\n`);
        return 1;
      }
      process.stdout.write(text);
      return 0;
    }
    case "down": {
      const n = await deploymentDown(runDir, requireRecord(runDir));
      out(`cancelled ${n} job${n === 1 ? "" : "s"}; none left in the queue`);
      return 0;
    }
    default:
      throw new ConfigError(`unknown subcommand "${sub}" (up, render, status, logs, down)`);
  }
}
