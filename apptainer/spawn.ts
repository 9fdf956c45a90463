// Runs one command with execa (argument array, no shell): time limit and abort kill the whole process tree,
// output is captured with a cap that keeps the tail. The one place in apptainer/ that starts or kills processes.
import { execa } from "execa";
import { MatrixError } from "../runtime/errors.ts";
import type { ExecResult } from "../runtime/sandbox/types.ts";
import { TailBuffer } from "./tail.ts";

/** Options of one command. */
export type SpawnOptions = {
  /** Text for stdin (closed after it); without it stdin is empty. */
  stdin?: string;
  /** The whole environment of the command (nothing is inherited). */
  env?: Record<string, string>;
  cwd?: string;
  /** Time limit in ms; when it passes the process group is killed and `timed_out` is true. */
  timeout_ms: number;
  /** Aborting kills the process group too (the result then has `timed_out: false`). */
  signal?: AbortSignal;
  /** Most bytes of stdout and of stderr kept (the tail); default 1 MiB. */
  output_cap_bytes?: number;
};

/** Kills a process group; a group that is already gone is fine. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: every process of the group has exited.
  }
}

/**
 * Runs `file args...` in its own process group and resolves with its outcome; never rejects for a non-zero
 * exit or a timeout. Rejects with a `MatrixError` (`spawn_failed`) when the program cannot be started.
 * @example await runCommand("bwrap", ["--ro-bind", "/", "/", "true"], { timeout_ms: 5_000 })
 */
export async function runCommand(file: string, args: readonly string[], opts: SpawnOptions): Promise<ExecResult> {
  const started = performance.now();
  const cap = opts.output_cap_bytes ?? 1 << 20;
  const out = new TailBuffer(cap);
  const err = new TailBuffer(cap);
  const child = execa(file, args, {
    // A new process group, so the time limit can kill the command's children too.
    detached: true,
    env: opts.env ?? {},
    extendEnv: false,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    ...(opts.stdin === undefined ? { stdin: "ignore" as const } : { input: opts.stdin }),
    buffer: false,
    reject: false,
    stripFinalNewline: false,
  });
  child.stdout?.on("data", (b: Uint8Array) => out.push(b));
  child.stderr?.on("data", (b: Uint8Array) => err.push(b));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, opts.timeout_ms);
  const onAbort = () => killGroup(child.pid);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const r = await child;
    if (r.failed && r.exitCode === undefined && r.signal === undefined && !timedOut && !opts.signal?.aborted) {
      throw new MatrixError("spawn_failed", `cannot start ${file}: ${r.shortMessage ?? r.message}`);
    }
    return {
      exit_code: r.exitCode ?? null,
      stdout: out.text(),
      stderr: err.text(),
      timed_out: timedOut,
      duration_ms: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    // Children that outlived the command (daemonised in the same group) go with it.
    killGroup(child.pid);
  }
}
