// Shared by the benchmarks: `--key=value` arguments, a plain-text table, JSON results in bench/results/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { arch, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";

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
