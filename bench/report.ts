// Shared by the benchmarks: `--key=value` arguments, a plain-text table, JSON results in bench/results/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { arch, cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { loadRunConfig } from "../runtime/config/load.ts";
import { procStat } from "../services/manager/adapter/process.ts";
import type { RunConfig } from "../runtime/config/schema.ts";
import { getWorkflow, listWorkflows } from "../runtime/workflow.ts";

export const RESULTS_DIR = resolve(import.meta.dirname, "results");

/** Numeric `--key=value` arguments over `defaults` (unknown keys are an error, so typos do not pass silently). */
export function benchArgs<T extends Record<string, number>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, number> = { ...defaults };
  for (const a of argv) {
    const m = /^--([a-z_]+)=(.+)$/.exec(a);
    if (!m || !(m[1]! in defaults) || !Number.isFinite(Number(m[2]))) {
      throw new Error(`bad argument "${a}" (known: ${Object.keys(defaults).map((k) => `--${k}=N`).join(" ")})`);
    }
    out[m[1]!] = Number(m[2]);
  }
  return out as T;
}

/** Prints rows under a header with aligned columns. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

/** Writes `bench/results/<name>.json` with the machine it ran on. */
export function writeResults(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  const machine = { node: process.version, arch: arch(), cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown" };
  writeFileSync(path, JSON.stringify({ bench: name, at: new Date().toISOString(), machine, ...data }, null, 2) + "\n");
  console.log(`\nwrote ${path}`);
  return path;
}

/** A scratch output path in a fresh temporary directory. */
export function tempOutput(prefix: string): { path: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `matrix-bench-${prefix}-`));
  return { path: join(dir, "out.jsonl"), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An inference job of `tasks` tiny rows against a simulated LLM with a fixed latency and room for every request,
 * so that what is measured is the runtime, never the server. The rows are written next to `out`.
 */
export function fixedLatencyJob(opts: { out: string; tasks: number; inFlight: number; latencyMs: number }): RunConfig {
  const data = join(dirname(opts.out), "rows.jsonl");
  const lines: string[] = [];
  for (let i = 0; i < opts.tasks; i++) lines.push(JSON.stringify({ id: i, request: { messages: [{ role: "user", content: `ping ${i}` }] } }));
  writeFileSync(data, lines.join("\n") + "\n");
  return loadRunConfig({
    target: "inference",
    overrides: [
      `dataset.path=${data}`,
      `output.path=${opts.out}`,
      `max_concurrent_tasks=${opts.inFlight}`,
      `sim.max_num_seqs=${opts.inFlight * 2}`,
      `sim.fixed_latency_ms=${opts.latencyMs}`,
      "sim.time_scale=1",
      "sim.output_len.dist=fixed",
      "sim.output_len.value=8",
      "progress.interval_s=0.1",
      "progress.mode=off",
    ],
    cwd: process.cwd(),
    getWorkflow,
    listWorkflows: () => listWorkflows().map((w) => w.name),
  });
}

/**
 * CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat` (Linux; undefined elsewhere or
 * once the process is gone). Clock ticks are taken as 100 per second, the Linux default.
 */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  const fields = pid === undefined ? undefined : procStat(pid);
  // utime and stime are fields 14 and 15 of proc(5); index 0 is field 3.
  return fields === undefined ? undefined : (Number(fields[11]) + Number(fields[12])) / 100;
}
