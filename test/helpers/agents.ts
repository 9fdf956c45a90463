// Real `matrix agent` and `matrix run --nats` child processes for the distributed tests.
import type { ChildProcess } from "node:child_process";
import { startMatrix, until, type CliResult } from "./cli.ts";

/** One `matrix agent` process. */
export type AgentProcess = {
  readonly child: ChildProcess;
  readonly result: Promise<CliResult>;
  stderr(): string;
  /** Resolves once the agent logged that it serves its roles. */
  ready(): Promise<void>;
  /** SIGKILL (a crash); resolves when the process is gone. */
  kill9(): Promise<void>;
  alive(): boolean;
};

const live = new Set<ChildProcess>();
let hooked = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (hooked) return;
  hooked = true;
  // A test that fails early must not leave agents behind.
  process.once("exit", () => {
    for (const c of live) c.kill("SIGKILL");
  });
}

/** Starts `matrix agent --nats URL ...args` (fast ack wait for tests unless given). */
export function startAgent(url: string, args: string[] = []): AgentProcess {
  const withDefaults = args.includes("--ack-wait-s") ? args : ["--ack-wait-s", "2", ...args];
  const p = startMatrix(["agent", "--nats", url, ...withDefaults]);
  track(p.child);
  const alive = () => p.child.exitCode === null && p.child.signalCode === null;
  return {
    child: p.child,
    result: p.result,
    stderr: p.stderr,
    alive,
    ready: () => until(() => p.stderr().includes("agent ready") || !alive(), 30_000, "agent ready").then(() => {
      if (!alive()) throw new Error(`agent exited while starting:\n${p.stderr()}`);
    }),
    async kill9() {
      if (!alive()) return;
      p.child.kill("SIGKILL");
      await p.result;
    },
  };
}

/** Starts `count` agents and waits until every one is ready. */
export async function startAgents(url: string, count: number, args: string[] = []): Promise<AgentProcess[]> {
  const agents = Array.from({ length: count }, () => startAgent(url, args));
  try {
    await Promise.all(agents.map((a) => a.ready()));
  } catch (err) {
    // The caller never gets these agents, so it cannot stop them.
    await Promise.all(agents.map((a) => a.kill9()));
    throw err;
  }
  return agents;
}

/** Stops agents: SIGTERM (drain), then SIGKILL after `graceMs`. */
export async function stopAgents(agents: AgentProcess[], graceMs = 5_000): Promise<void> {
  await Promise.all(
    agents.map(async (a) => {
      if (!a.alive()) return;
      a.child.kill("SIGTERM");
      const t = setTimeout(() => a.child.kill("SIGKILL"), graceMs);
      await a.result;
      clearTimeout(t);
    }),
  );
}

/** Rows that appear more than once per task, and tasks of `expected` that have no row. */
export function exactlyOnce(rows: Record<string, unknown>[], expected: string[]): { duplicates: string[]; missing: string[] } {
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.task as string, (count.get(r.task as string) ?? 0) + 1);
  return {
    duplicates: [...count].filter(([, n]) => n > 1).map(([t]) => t),
    missing: expected.filter((t) => !count.has(t)),
  };
}

/** Coral task ids of the sample dataset: rows `coral-0001..` times trials. */
export function coralTasks(rows: number, trials = 1): string[] {
  const out: string[] = [];
  for (let i = 1; i <= rows; i++) for (let t = 0; t < trials; t++) out.push(`coral-${String(i).padStart(4, "0")}:${t}`);
  return out;
}
