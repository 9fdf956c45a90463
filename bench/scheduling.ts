// Row-level vs batch-level scheduling on the same simulated LLM capacity (Coral-shaped and NR-shaped workloads).
import "../workflows/mod.ts";
import { loadRunConfig } from "../runtime/config/load.ts";
import { silentLogger } from "../runtime/log.ts";
import { runEmbedded } from "../runtime/modes/run.ts";
import { getWorkflow, listWorkflows } from "../runtime/workflow.ts";
import { runBatchLevel } from "./baseline/batch.ts";
import { benchArgs, printTable, tempOutput, writeResults } from "./report.ts";

const args = benchArgs({ slots: 32, scale: 25, nr_trials: 8, coral_trials: 2, concurrency_factor: 2 });
const slots = args.slots;
const concurrency = Math.round(slots * args.concurrency_factor);

/** One simulated GPU server: `slots` running sequences, long-tailed output lengths, fast simulated time. */
const SIM = [
  `sim.max_num_seqs=${slots}`,
  `sim.time_scale=${args.scale}`,
  "sim.output_len.dist=lognormal",
  "sim.output_len.median=160",
  "sim.output_len.sigma=1.1",
  "sim.output_len.min=8",
  "sim.output_len.max=4096",
];

type Workload = { name: string; workflow: string; overrides: string[] };
const workloads: Workload[] = [
  { name: "nr-shaped", workflow: "natural-reasoning", overrides: [`trials=${args.nr_trials}`, "llm.writer.sampling.max_tokens=2048"] },
  { name: "coral-shaped", workflow: "coral", overrides: [`trials=${args.coral_trials}`, "coral.max_turns=10"] },
];

type Side = { tasks: number; elapsed_s: number; gen_tokens_per_s: number; tokens_per_s: number; slot_utilization: number; ok: number; filtered: number; error: number };

function config(w: Workload, out: string) {
  return loadRunConfig({
    target: w.workflow,
    overrides: [...w.overrides, ...SIM, `max_concurrent_tasks=${concurrency}`, `output.path=${out}`, "progress.mode=off"],
    cwd: process.cwd(),
    getWorkflow,
    listWorkflows: () => listWorkflows().map((x) => x.name),
  });
}

const results: Record<string, unknown>[] = [];
for (const w of workloads) {
  const wf = getWorkflow(w.workflow)!;
  const out = tempOutput(`scheduling-${w.name}`);
  const row = await runEmbedded(config(w, out.path), { log: silentLogger });
  out.dispose();
  const rowSide: Side = {
    tasks: row.written,
    elapsed_s: row.elapsed_s,
    gen_tokens_per_s: row.tokens.completion / row.elapsed_s,
    tokens_per_s: (row.tokens.prompt + row.tokens.completion) / row.elapsed_s,
    slot_utilization: Number(row.sim?.slot_utilization ?? Number.NaN),
    ok: row.ok,
    filtered: row.filtered,
    error: row.error,
  };
  const batch = await runBatchLevel(config(w, "/dev/null"), wf, concurrency);
  const batchSide: Side = {
    tasks: batch.tasks,
    elapsed_s: batch.elapsed_s,
    gen_tokens_per_s: batch.completion_tokens / batch.elapsed_s,
    tokens_per_s: (batch.prompt_tokens + batch.completion_tokens) / batch.elapsed_s,
    slot_utilization: Number(batch.sim?.slot_utilization ?? Number.NaN),
    ok: batch.ok,
    filtered: batch.filtered,
    error: batch.error,
  };
  results.push({
    workload: w.name,
    workflow: w.workflow,
    max_num_seqs: slots,
    concurrency,
    row_level: rowSide,
    batch_level: batchSide,
    ratio_gen_tokens_per_s: rowSide.gen_tokens_per_s / batchSide.gen_tokens_per_s,
    ratio_tokens_per_s: rowSide.tokens_per_s / batchSide.tokens_per_s,
  });
}

printTable(
  ["workload", "scheduling", "tasks", "ok/filt/err", "s", "gen tok/s", "all tok/s", "slot util"],
  results.flatMap((r) => {
    const rows: string[][] = [];
    for (const side of ["row_level", "batch_level"] as const) {
      const s = r[side] as Side;
      rows.push([
        String(r.workload),
        side.replace("_", "-"),
        String(s.tasks),
        `${s.ok}/${s.filtered}/${s.error}`,
        s.elapsed_s.toFixed(2),
        s.gen_tokens_per_s.toFixed(0),
        s.tokens_per_s.toFixed(0),
        `${(100 * s.slot_utilization).toFixed(1)}%`,
      ]);
    }
    rows.push([String(r.workload), "ratio row/batch", "", "", "", `${(r.ratio_gen_tokens_per_s as number).toFixed(2)}x`, `${(r.ratio_tokens_per_s as number).toFixed(2)}x`, ""]);
    return rows;
  }),
);
writeResults("scheduling", { args, results });
