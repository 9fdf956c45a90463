// `matrix run <workflow | config.yaml> [key=value ...]`: the main job, on the embedded bus or (--nats) on NATS agents.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { stringify as toYaml } from "yaml";
import { configAsTree, loadRunConfig } from "../config/load.ts";
import { ConfigError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { runEmbedded, type RunHooks, type RunSummary } from "../modes/run.ts";
import { getWorkflow, listWorkflows } from "../workflow.ts";
import { BarProgress, LineProgress, type ProgressView } from "./progress.ts";
import { onShutdownSignals } from "../adapter/signals.ts";
import { runDistributed } from "../modes/run-nats.ts";
import { deploymentFromFlags, NATS_FLAGS, NATS_HELP } from "./nats-flags.ts";

export const RUN_HELP = `usage: matrix run <workflow | config.yaml> [key.sub=value ...] [options]

Runs a workflow over a dataset in one process (embedded bus; embedded simulated LLM for every
llm.<name> without a url) and writes one JSONL row per task to output.path.

With --nats URL the same command and config only admit tasks (max_concurrent_tasks over the whole
cluster) and copy rows from the results stream to output.path; \`matrix agent --nats URL\` processes,
on any machine, do the work (each with its own embedded simulated LLM for llm.<name> without a url).
Killed, the same command again resumes the run recorded in <output.path>.run.json.

options:
  --print-config        print the compiled config as YAML and exit
  --summary-json PATH   also write the final summary as JSON
  --log-format FORMAT   text (default) or json
  --verbose             debug logs and error details
  -q, --quiet           no progress display
  -h, --help            this help

distributed (NATS JetStream; see docs/distributed.md):
${NATS_HELP}
  --local-agents N       also serve the run with N agent workers in this process (default 0)

common keys (defaults come from the workflow; see --print-config):
  dataset.path dataset.limit output.path output.success_only max_concurrent_tasks seed trials
  llm.<name>.url llm.<name>.model llm.<name>.api_key_env llm.<name>.sampling.* llm.<name>.timeout_s
  llm.<name>.max_retries sim.* <workflow>.*

workflows: ${"${WORKFLOWS}"}
A second run with the same output.path skips tasks already written (resume).`;

function fmt(x: number): string {
  if (x >= 1e6) return (x / 1e6).toFixed(2) + "M";
  if (x >= 1e3) return (x / 1e3).toFixed(1) + "k";
  return String(Math.round(x * 100) / 100);
}

/** The final summary as a few human lines. */
export function summaryLines(s: RunSummary): string[] {
  const metrics = Object.entries(s.metrics)
    .map(([k, v]) => `${k}=${typeof v === "number" ? Math.round(v * 1000) / 1000 : v}`)
    .join(" ");
  return [
    `${s.workflow}: ${s.written} tasks in ${s.elapsed_s}s (${s.tasks_per_s} tasks/s): ok ${s.ok}, filtered ${s.filtered}, error ${s.error}` +
      (s.skipped ? `; ${s.skipped} already in the output` : "") +
      (s.interrupted ? " (interrupted: run the same command again to resume)" : ""),
    `tokens: prompt ${fmt(s.tokens.prompt)}, completion ${fmt(s.tokens.completion)} (${fmt(s.tokens.per_s)} tok/s)`,
    `metrics: ${metrics || "(none)"}`,
    `output: ${s.output} (ok ${s.file.ok}, filtered ${s.file.filtered}, error ${s.file.error})`,
  ];
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...NATS_FLAGS,
      "local-agents": { type: "string" },
      "print-config": { type: "boolean" },
      "summary-json": { type: "string" },
      "log-format": { type: "string" },
      verbose: { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    const help = RUN_HELP.replace("${NATS_HELP}", NATS_HELP.replace(/^ {2}/gm, "  ")).replace("${WORKFLOWS}", listWorkflows().map((w) => w.name).join(", "));
    process.stdout.write(help + "\n");
    return 0;
  }
  const [target, ...overrides] = positionals;
  if (!target) throw new ConfigError("matrix run: missing workflow name or config file (see matrix run --help)");
  const bad = overrides.find((o) => !o.includes("="));
  if (bad) throw new ConfigError(`matrix run: "${bad}" is not a key=value override`);
  const format = values["log-format"] ?? "text";
  if (format !== "text" && format !== "json") throw new ConfigError(`--log-format: expected text or json, got "${format}"`);
  const dist = deploymentFromFlags(values);
  const localAgents = Number(values["local-agents"] ?? 0);
  if (!Number.isInteger(localAgents) || localAgents < 0) throw new ConfigError(`--local-agents: expected an integer >= 0, got "${values["local-agents"]}"`);
  if (localAgents > 0 && !dist) throw new ConfigError("--local-agents needs --nats");

  const config = loadRunConfig({
    target,
    overrides,
    cwd: process.cwd(),
    getWorkflow,
    listWorkflows: () => listWorkflows().map((w) => w.name),
  });
  if (values["print-config"]) {
    process.stdout.write(toYaml(configAsTree(config)));
    return 0;
  }

  const log = createLogger({ level: values.verbose ? "debug" : "info", format });
  const tty = Boolean(process.stderr.isTTY);
  const mode = values.quiet ? "off" : config.progress.mode === "auto" ? (tty ? "bar" : "lines") : config.progress.mode;
  let view: ProgressView | undefined;
  if (mode === "bar") {
    view = new BarProgress();
    config.progress.interval_ms = 200;
  } else if (mode === "lines") {
    view = new LineProgress((line) => process.stderr.write(line + "\n"));
  }

  const drain = new AbortController();
  const force = new AbortController();
  const stopSignals = onShutdownSignals({
    first: () => drain.abort(),
    second: () => force.abort(),
  });
  let summary: RunSummary;
  try {
    const hooks: RunHooks = {
      log,
      drain: drain.signal,
      force: force.signal,
      ...(view ? { onStart: (p) => view.start(p), onProgress: (p) => view.update(p) } : {}),
    };
    summary = dist ? await runDistributed(config, hooks, { ...dist, localAgents }) : await runEmbedded(config, hooks);
  } finally {
    view?.stop();
    stopSignals();
  }
  for (const line of summaryLines(summary)) process.stdout.write(line + "\n");
  if (values["summary-json"]) writeFileSync(values["summary-json"], JSON.stringify(summary, null, 2) + "\n");
  return summary.interrupted ? 1 : 0;
}
