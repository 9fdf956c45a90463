// 20,000 tasks in flight in one `matrix run` process against a simulated LLM with a fixed 1 s latency.
import { performance, PerformanceObserver } from "node:perf_hooks";
import "../workflows/mod.ts";
import { silentLogger } from "../runtime/log.ts";
import { runEmbedded, type RunProgress } from "../runtime/modes/run.ts";
import { benchArgs, fixedLatencyJob, printTable, tempOutput, writeResults } from "./report.ts";

const args = benchArgs({ in_flight: 20_000, tasks: 120_000, latency_ms: 1000 });
const out = tempOutput("concurrency");
const config = fixedLatencyJob({ out: out.path, tasks: args.tasks, inFlight: args.in_flight, latencyMs: args.latency_ms });

type EventLoopUtilization = ReturnType<typeof performance.eventLoopUtilization>;
const samples: { t: number; done: number; inFlight: number; elu: EventLoopUtilization }[] = [];
// Where the main thread's time goes: busy (event-loop utilisation) and, of that, garbage-collection pauses.
let gcMs = 0;
const gc = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
gc.observe({ entryTypes: ["gc"] });
const elu0 = performance.eventLoopUtilization();
const cpuStart = process.cpuUsage();
let peakInFlight = 0;
const summary = await runEmbedded(config, {
  log: silentLogger,
  onProgress: (p: RunProgress) => {
    samples.push({ t: p.elapsedMs, done: p.done, inFlight: p.inFlight, elu: performance.eventLoopUtilization() });
    peakInFlight = Math.max(peakInFlight, p.inFlight);
  },
});
const elu = performance.eventLoopUtilization(elu0);
gc.disconnect();
const gcShare = gcMs / elu.active;
const rssBytes = process.resourceUsage().maxRSS * 1024;
const cpu = process.cpuUsage(cpuStart);
// CPU time per task (all threads: the main loop and the garbage collector's helpers) is less sensitive to other
// load on the machine than the rate.
const cpuUsPerTask = (cpu.user + cpu.system) / summary.written;
out.dispose();

// Steady state: from 10% to 90% of the tasks done (the first second has no completions by construction).
const at = (frac: number) => samples.find((s) => s.done >= frac * args.tasks)!;
const a = at(0.1);
const b = at(0.9);
const steady = (b.done - a.done) / ((b.t - a.t) / 1000);
// Busy share of the main thread in that same window (the whole run also holds the first second's wait).
const steadyBusy = performance.eventLoopUtilization(b.elu, a.elu).utilization;
const bound = args.in_flight / (args.latency_ms / 1000);
const overall = summary.written / summary.elapsed_s;

printTable(
  ["tasks", "in flight (peak)", "latency", "bound tasks/s", "steady tasks/s", "of bound", "overall tasks/s", "CPU/task", "main thread busy (steady)", "GC of busy (run)", "peak RSS"],
  [[
    String(summary.written),
    String(peakInFlight),
    `${args.latency_ms} ms`,
    bound.toFixed(0),
    steady.toFixed(0),
    `${((100 * steady) / bound).toFixed(1)}%`,
    overall.toFixed(0),
    `${cpuUsPerTask.toFixed(0)} µs`,
    `${(100 * steadyBusy).toFixed(0)}%`,
    `${(100 * gcShare).toFixed(0)}%`,
    `${(rssBytes / 2 ** 20).toFixed(0)} MiB`,
  ]],
);
writeResults("concurrency", {
  args,
  written: summary.written,
  ok: summary.ok,
  error: summary.error,
  elapsed_s: summary.elapsed_s,
  peak_in_flight: peakInFlight,
  littles_law_bound_tasks_per_s: bound,
  steady_tasks_per_s: steady,
  fraction_of_bound: steady / bound,
  overall_tasks_per_s: overall,
  cpu_us_per_task: cpuUsPerTask,
  main_thread_busy_steady: steadyBusy,
  main_thread_busy_run: elu.utilization,
  gc_share_of_busy: gcShare,
  peak_rss_bytes: rssBytes,
});
if (summary.written !== args.tasks || summary.error > 0) {
  console.error(`expected ${args.tasks} ok rows, got ${summary.written} rows with ${summary.error} errors`);
  process.exitCode = 1;
}
