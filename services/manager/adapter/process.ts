// Engine processes: started with execa in their own process group, output appended to a log file, stopped as a group.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { execa } from "execa";
import type { Argv } from "../../engines/mod.ts";

/** How an engine process ended. `error` is set when it could not start at all (executable missing, ...). */
export type ProcessExit = { code: number | null; signal: string | null; error: string | null };

/** A running engine process; its pid is also its process group id. */
export type EngineProcess = {
  readonly pid: number | undefined;
  readonly exited: Promise<ProcessExit>;
  /** Signals the whole group (the engine and every worker it forked); a no-op once it is gone. */
  signalGroup(signal: NodeJS.Signals): void;
};

const live = new Set<EngineProcess>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  // Detached groups outlive their parent; a manager that exits without stopping them (an uncaught error) kills them.
  process.once("exit", () => {
    for (const p of live) p.signalGroup("SIGKILL");
  });
}

/**
 * Starts `argv` with `env` added to this process's environment, in a new process group, stdout and stderr
 * appended to `logPath` (a header line marks each start).
 */
export function startEngineProcess(argv: Argv, opts: { env: Record<string, string>; logPath: string; header: string }): EngineProcess {
  installExitHook();
  mkdirSync(dirname(opts.logPath), { recursive: true });
  appendFileSync(opts.logPath, `\n=== ${new Date().toISOString()} ${opts.header}\n=== ${[argv.file, ...argv.args].join(" ")}\n`);
  // Both streams append to one file (O_APPEND keeps their lines whole); the child writes it directly.
  const log = { file: opts.logPath, append: true } as const;
  const child = execa(argv.file, argv.args, {
    env: opts.env,
    extendEnv: true,
    detached: true,
    cleanup: false,
    stdin: "ignore",
    stdout: log,
    stderr: log,
    reject: false,
    buffer: false,
  });
  const pid = child.pid;
  const proc: EngineProcess = {
    pid,
    exited: child.then(
      (r) => {
        live.delete(proc);
        const startFailed = r.failed && r.exitCode === undefined && r.signal === undefined;
        return { code: r.exitCode ?? null, signal: r.signal ?? null, error: startFailed ? startError(argv.file, r.cause) : null };
      },
      (err: unknown) => {
        live.delete(proc);
        return { code: null, signal: null, error: String(err) };
      },
    ),
    signalGroup(signal) {
      if (pid === undefined) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // The group is gone already.
      }
    },
  };
  live.add(proc);
  return proc;
}

/** One line saying why `file` could not be started ("cannot start vllm: ENOENT (not found on PATH)"). */
function startError(file: string, cause: unknown): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (code === "ENOENT") return `cannot start ${file}: ENOENT (not found${file.includes("/") ? "" : " on PATH"})`;
  if (code === "EACCES") return `cannot start ${file}: EACCES (not executable)`;
  const message = cause instanceof Error ? cause.message : String(cause);
  return `cannot start ${file}: ${message.split("\n")[0]}`;
}

/** True while a process with this pid runs (signal 0 probes without signalling; a zombie counts as gone on Linux). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
  // Without /proc (not Linux) a process that takes signal 0 counts as alive.
  return procStat(pid)?.[0] !== "Z";
}

/**
 * The fields of `/proc/<pid>/stat` after the command name, from the state on (`["S", ppid, ...]`: field 3 of
 * proc(5) is index 0), or undefined when they cannot be read. The command name may itself hold spaces and
 * parentheses, so the fields start after its last ")".
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}
