// tau2 retail conversations: our runtime (row-level, many tasks in flight) vs a baseline shaped like the
// benchmark's own runner (a thread pool running 3 conversations at a time), on the same simulated LLM.
import "../workflows/mod.ts";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadRunConfig } from "../runtime/config/load.ts";
import type { RunConfig } from "../runtime/config/schema.ts";
import { silentLogger } from "../runtime/log.ts";
import { SINK, type Envelope } from "../runtime/message/envelope.ts";
import { RunResources } from "../runtime/modes/resources.ts";
import { runEmbedded } from "../runtime/modes/run.ts";
import { deriveSeed } from "../runtime/seed.ts";
import { newEnvelope, taskId } from "../runtime/source.ts";
import { getWorkflow, listWorkflows, type WorkflowDefinition } from "../runtime/workflow.ts";
import { DEFAULT_DOMAIN_DIR } from "../workflows/tau2/params.ts";
import { stepHop } from "./baseline/step.ts";
import { benchArgs, printTable, tempOutput, writeResults } from "./report.ts";

const args = benchArgs({ trials: 2, scale: 20, concurrency: 64, baseline_threads: 3, slots: 256, cache_tokens: 2_000_000 });
const domainDir = process.env.TAU2_DOMAIN_DIR ?? DEFAULT_DOMAIN_DIR;

/** One simulated vLLM server with prefix caching (every turn of a conversation reuses its prefix). */
const SIM = [`sim.max_num_seqs=${args.slots}`, `sim.time_scale=${args.scale}`, "sim.prefix_cache=true", `sim.prefix_cache_tokens=${args.cache_tokens}`];

function config(out: string, concurrency: number): RunConfig {
  return loadRunConfig({
    target: "tau2",
    overrides: [
      `dataset.path=${domainDir}/tasks.json`,
      `tau2.domain_dir=${domainDir}`,
      "tau2.sim_mode=oracle",
      `trials=${args.trials}`,
      `max_concurrent_tasks=${concurrency}`,
      `output.path=${out}`,
      "progress.mode=off",
      ...SIM,
    ],
    cwd: process.cwd(),
    getWorkflow,
    listWorkflows: () => listWorkflows().map((x) => x.name),
  });
}

/** One runner's result; `cpu_s` is this process's CPU time during the run (near `elapsed_s` means CPU-bound). */
type Side = { tasks: number; elapsed_s: number; tasks_per_s: number; mean_reward: number; errors: number; cpu_s: number };

/**
 * The baseline: `threads` workers, each takes the next task and runs its whole conversation (user, assistant,
 * tools, ... reward) before taking another, as the reference runner's thread pool does. Same workflow code,
 * same LLM client, same simulated LLM.
 */
async function runThreadPool(cfg: RunConfig, wf: WorkflowDefinition, threads: number): Promise<Side> {
  const resources = new RunResources(cfg.llm, cfg.sim, silentLogger);
  const run = randomUUID();
  const rows = JSON.parse(readFileSync(cfg.dataset.path, "utf8")) as Array<Record<string, unknown>>;
  const queue: Envelope[] = [];
  for (const row of rows) {
    for (let trial = 0; trial < cfg.trials; trial++) {
      const task = taskId(String(row.id), trial);
      queue.push(newEnvelope({ run, workflow: wf.name, task, trial, seed: deriveSeed(cfg.seed, task), first: wf.first, input: row, state: wf.init(row, cfg.params) }));
    }
  }
  const tasks = queue.length;
  let rewardSum = 0;
  let errors = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const worker = async () => {
    for (let msg = queue.shift(); msg; msg = queue.shift()) {
      while (msg.next !== SINK) await stepHop(wf, msg, cfg.params, resources);
      if (msg.error) errors++;
      else rewardSum += Number(wf.output(msg, cfg.params).fields.reward);
    }
  };
  await Promise.all(Array.from({ length: threads }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await resources.close();
  return { tasks, elapsed_s: elapsed, tasks_per_s: tasks / elapsed, mean_reward: rewardSum / Math.max(1, tasks - errors), errors, cpu_s: cpuSeconds(cpu) };
}

/** CPU seconds (user + system) of this process since `from`. */
function cpuSeconds(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

const wf = getWorkflow("tau2")!;
const out = tempOutput("tau2");
const cpu = process.cpuUsage();
const ours = await runEmbedded(config(out.path, args.concurrency), { log: silentLogger });
out.dispose();
const matrix: Side = { tasks: ours.written, elapsed_s: ours.elapsed_s, tasks_per_s: ours.written / ours.elapsed_s, mean_reward: Number(ours.metrics.mean_reward), errors: ours.error, cpu_s: cpuSeconds(cpu) };
const baseline = await runThreadPool(config("/dev/null", args.baseline_threads), wf, args.baseline_threads);
const ratio = matrix.tasks_per_s / baseline.tasks_per_s;

const fmt = (s: Side) => [String(s.tasks), s.elapsed_s.toFixed(2), s.cpu_s.toFixed(2), s.tasks_per_s.toFixed(2), s.mean_reward.toFixed(3), String(s.errors)];
printTable(["runner", "tasks", "elapsed_s", "cpu_s", "tasks/s", "mean_reward", "errors"], [
  [`matrix (${args.concurrency} in flight)`, ...fmt(matrix)],
  [`thread pool (${args.baseline_threads} at a time)`, ...fmt(baseline)],
]);
console.log(`\nratio (tasks/s): ${ratio.toFixed(2)}x`);
writeResults("tau2", { args, sim: SIM, matrix, baseline, ratio_tasks_per_s: ratio });
