// Sticky vs random vs least-outstanding routing: Coral over 4 simulated replicas with prefix caching, in one run.
import "../workflows/mod.ts";
import { loadRunConfig } from "../runtime/config/load.ts";
import { silentLogger } from "../runtime/log.ts";
import { runEmbedded, type RunProgress } from "../runtime/modes/run.ts";
import { getWorkflow, listWorkflows } from "../runtime/workflow.ts";
import { SIM_PROFILES, startSimServer, type SimServer } from "../services/sim/mod.ts";
import { benchArgs, printTable, tempOutput, writeResults } from "./report.ts";

// A replica is Llama-3.1-8B on one 80 GB H100: 128 KiB of KV per token, about 400,000 tokens of KV cache at 0.9
// GPU memory utilisation, and 128 running sequences (whose KV, at Coral's 2-3k-token contexts, fits in it).
// 1.25x as many dialogues as slots keeps every replica busy while a replica's cache still holds the dialogues
// routed to it; 5,760 tasks make the steady state most of the run.
// The 4 simulated GPUs, not this process's CPU, must be the bottleneck (it uses well under one core at scale 4).
const args = benchArgs({ replicas: 4, slots: 128, scale: 4, tasks: 5_760, concurrency: 640, max_turns: 20, cache_tokens: 400_000 });
const POLICIES = ["sticky", "random", "least_outstanding"] as const;
type Policy = (typeof POLICIES)[number];

/** Llama-3.1-8B on one H100 (the sim profile), with `slots` running sequences and a prefix cache per replica. */
const replicaOptions = {
  ...SIM_PROFILES["llama-8b-h100"],
  model: "sim",
  max_num_seqs: args.slots,
  time_scale: args.scale,
  prefix_cache: true,
  prefix_cache_tokens: args.cache_tokens,
  output_len: { dist: "lognormal" as const, median: 160, sigma: 0.8, min: 8, max: 1024 },
};

type Row = {
  policy: Policy;
  tasks: number;
  errors: number;
  elapsed_s: number;
  /** Completion tokens per simulated second over the whole run (warm-up and tail included). */
  gen_tokens_per_s: number;
  /** The same between 10% and 90% of tasks done: the steady state, without the tail of the longest dialogues. */
  steady_gen_tokens_per_s: number;
  prefix_cache_hit_rate: number;
  slot_utilization: number;
  prompt_tokens: number;
};

async function runPolicy(policy: Policy): Promise<Row> {
  // Fresh replicas per policy: every policy starts with cold caches.
  const sims: SimServer[] = [];
  for (let i = 0; i < args.replicas; i++) sims.push(await startSimServer({ options: { ...replicaOptions, seed: i } }));
  const out = tempOutput(`routing-${policy}`);
  try {
    const urls = `[${sims.map((s) => s.url).join(",")}]`;
    const config = loadRunConfig({
      target: "coral",
      overrides: [
        `output.path=${out.path}`,
        `trials=${Math.ceil(args.tasks / 240)}`,
        `dataset.limit=${Math.min(240, args.tasks)}`,
        `coral.max_turns=${args.max_turns}`,
        `max_concurrent_tasks=${args.concurrency}`,
        "progress.mode=off",
        "progress.interval_s=0.2",
        ...["agent_a", "agent_b"].flatMap((r) => [`llm.${r}.url=${urls}`, `llm.${r}.routing=${policy}`]),
      ],
      cwd: process.cwd(),
      getWorkflow,
      listWorkflows: () => listWorkflows().map((w) => w.name),
    });
    const samples: RunProgress[] = [];
    const summary = await runEmbedded(config, {
      log: silentLogger,
      onProgress: (p) => samples.push({ ...p }),
    });
    const at = (frac: number) => samples.find((x) => x.done >= frac * summary.written) ?? samples.at(-1)!;
    const a = at(0.1);
    const b = at(0.9);
    const steady = (b.completionTokens - a.completionTokens) / Math.max(1e-9, (b.elapsedMs - a.elapsedMs) / 1000) / args.scale;
    const stats = sims.map((s) => s.engine.stats());
    const hits = stats.reduce((n, s) => n + s.prefix_cache_hits, 0);
    const queries = stats.reduce((n, s) => n + s.prefix_cache_queries, 0);
    const completion = stats.reduce((n, s) => n + s.completion_tokens, 0);
    return {
      policy,
      tasks: summary.written,
      errors: summary.error,
      elapsed_s: summary.elapsed_s,
      gen_tokens_per_s: completion / summary.elapsed_s / args.scale,
      steady_gen_tokens_per_s: steady,
      prefix_cache_hit_rate: queries > 0 ? hits / queries : 0,
      slot_utilization: stats.reduce((n, s) => n + s.slot_utilization, 0) / stats.length,
      prompt_tokens: stats.reduce((n, s) => n + s.prompt_tokens, 0),
    };
  } finally {
    out.dispose();
    for (const s of sims) await s.close();
  }
}

const rows: Row[] = [];
for (const p of POLICIES) rows.push(await runPolicy(p));
const random = rows.find((r) => r.policy === "random")!;
printTable(
  ["policy", "tasks", "errors", "elapsed s", "tokens/s (run)", "tokens/s (steady)", "vs random", "prefix hit rate", "slot util"],
  rows.map((r) => [
    r.policy,
    String(r.tasks),
    String(r.errors),
    r.elapsed_s.toFixed(1),
    r.gen_tokens_per_s.toFixed(0),
    r.steady_gen_tokens_per_s.toFixed(0),
    `${(r.steady_gen_tokens_per_s / random.steady_gen_tokens_per_s).toFixed(2)}x`,
    `${(100 * r.prefix_cache_hit_rate).toFixed(1)}%`,
    `${(100 * r.slot_utilization).toFixed(0)}%`,
  ]),
);
const sticky = rows.find((r) => r.policy === "sticky")!;
const ratio = sticky.steady_gen_tokens_per_s / random.steady_gen_tokens_per_s;
writeResults("routing", { args, replica_options: replicaOptions, rows, sticky_vs_random: ratio, target: 1.3 });
if (rows.some((r) => r.errors > 0)) process.exitCode = 1;
console.log(`\nsticky / random tokens/s: ${ratio.toFixed(2)}x (target >= 1.3x)`);
