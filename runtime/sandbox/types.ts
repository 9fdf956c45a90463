// The sandbox contract: what a pool offers (acquire, exec, release), what a sandbox is made of, what a handler sees.
import * as v from "valibot";
import type { Lease } from "../message/envelope.ts";

/** Outcome of one command: exit code (null when killed), captured output tails, whether the time limit hit. */
export const ExecResult = v.object({
  exit_code: v.nullable(v.number()),
  stdout: v.string(),
  stderr: v.string(),
  timed_out: v.boolean(),
  duration_ms: v.number(),
});
export type ExecResult = v.InferOutput<typeof ExecResult>;

/** Options of one exec in a lease. */
export type SandboxExecOptions = {
  /** Text written to the command's stdin (then closed). */
  stdin?: string;
  /** Time limit; the whole process tree is killed when it passes (`timed_out: true`). */
  timeout_s?: number;
  /** Extra environment variables (the sandbox starts from an empty environment). */
  env?: Record<string, string>;
  signal?: AbortSignal;
};

/** A host path made visible inside the sandbox. */
export const Bind = v.object({ src: v.string(), dst: v.string(), ro: v.optional(v.boolean(), true) });
export type Bind = v.InferOutput<typeof Bind>;

/** Sandbox backends: real namespaces (`bubblewrap`), Apptainer containers, or no isolation (`process`, opt-in). */
export const SANDBOX_BACKENDS = ["bubblewrap", "apptainer", "process"] as const;
export type SandboxBackendName = (typeof SANDBOX_BACKENDS)[number];

/** What a pool's sandboxes are made of (compiled: every field filled). */
export const SandboxSpec = v.object({
  backend: v.picklist(SANDBOX_BACKENDS),
  /** Sandboxes alive at once; `acquire` waits beyond it. */
  max_live: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** A lease not used (acquire or exec) for this long is released: its task vanished. */
  lease_ttl_ms: v.number(),
  /** How long `acquire` waits for a free slot before failing with a retryable `sandbox_busy`. */
  acquire_timeout_ms: v.number(),
  /** Read-only (default) or writable binds besides the system directories and the work dir. */
  binds: v.array(Bind),
  /** Environment of every exec (on top of an empty one). */
  env: v.record(v.string(), v.string()),
  /** Apptainer image (`.sif` or sandbox directory); unused by the other backends. */
  image: v.optional(v.string()),
  /** Most bytes of stdout and of stderr kept per exec (the tail is kept). */
  output_cap_bytes: v.number(),
  /**
   * A sandbox service (`engine: sandbox` in services.yaml) that serves this pool when the run is distributed; its
   * hosts' own settings then apply, and `binds` and `env` are asked for with each lease. Embedded runs ignore it.
   */
  service: v.optional(v.string()),
});
export type SandboxSpec = v.InferOutput<typeof SandboxSpec>;

/**
 * A sandbox pool as tasks reach it: plain data in and out, so the same calls can travel over request/reply when
 * the pool is a service on another node.
 */
export interface SandboxService {
  readonly name: string;
  /** A lease on a fresh sandbox for `task`; waits while `max_live` sandboxes are alive. */
  acquire(task: string, opts?: { signal?: AbortSignal }): Promise<Lease>;
  /** Runs `cmd` (argv, no shell) in the lease's sandbox, with the work dir as current directory. */
  exec(lease: string, cmd: string[], opts?: SandboxExecOptions): Promise<ExecResult>;
  /** Destroys the lease's sandbox; true when it was live. Idempotent. */
  release(lease: string): Promise<boolean>;
}

/**
 * A pool as one hop of one task sees it (`ctx.sandbox(name)`): the lease is the task's own, recorded in the
 * message's `leases` when acquired, and released by the sink when the task ends (also as an error row).
 */
export interface RoleSandbox {
  readonly name: string;
  /** The task's lease from this pool: the one in `msg.leases`, or a new one recorded there. */
  lease(): Promise<Lease>;
  /** Runs a command in the task's sandbox (acquiring it first when needed). */
  exec(cmd: string[], opts?: SandboxExecOptions): Promise<ExecResult>;
  /** Releases the task's lease now and removes it from the message. */
  release(): Promise<void>;
  /** True when this hop acquired the lease (a failing hop should release it: the message it came from never had it). */
  readonly acquiredHere: boolean;
}

/** Lease kind used in `msg.leases` for sandboxes. */
export const SANDBOX_LEASE_KIND = "sandbox";
