// Runs the real `matrix` command line as a child process (Node through bin/matrix.js, or Deno/Bun on bin/matrix.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN_JS = join(ROOT, "bin/matrix.js");
export const BIN_TS = join(ROOT, "bin/matrix.ts");

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

export type Runtime = "node" | "deno" | "bun";

/** The argv that starts `matrix` under a runtime (Deno and Bun run the TypeScript entry directly). */
export function matrixArgv(runtime: Runtime = "node"): string[] {
  if (runtime === "node") return [process.execPath, BIN_JS];
  if (runtime === "deno") return [join(ROOT, "node_modules/.bin/deno"), "run", "-A", "--quiet", BIN_TS];
  return [join(ROOT, "node_modules/.bin/bun"), BIN_TS];
}

/** Starts `matrix ARGS` and returns the child (stdout/stderr collected into the returned getters). */
export function startMatrix(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; runtime?: Runtime } = {},
): { child: ChildProcess; result: Promise<CliResult>; stdout: () => string; stderr: () => string } {
  const [cmd, ...pre] = matrixArgv(opts.runtime);
  const child = spawn(cmd!, [...pre, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const result = new Promise<CliResult>((res, rej) => {
    child.once("error", rej);
    child.once("close", (code, signal) => res({ code, signal, stdout, stderr }));
  });
  return { child, result, stdout: () => stdout, stderr: () => stderr };
}

/** Runs `matrix ARGS` to the end. */
export function runMatrix(args: string[], opts: { cwd?: string; env?: Record<string, string>; runtime?: Runtime } = {}): Promise<CliResult> {
  return startMatrix(args, opts).result;
}

/** A temporary directory removed by the returned dispose function. */
export function tempDir(prefix = "matrix-test-"): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Reads a JSONL file into objects (an absent file reads as no rows). */
export function readJsonl(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Writes rows (objects, or raw strings written as they are) as JSONL. */
export function writeJsonl(path: string, rows: (Record<string, unknown> | string)[]): void {
  writeFileSync(path, rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n");
}

/** Polls until `cond` holds (or throws after `timeoutMs`). */
export async function until(cond: () => boolean, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
