// The sandbox pool: leases on sandboxes for tasks, a cap on live sandboxes with a FIFO wait queue, idle expiry.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MatrixError, RetryableError, TerminalError } from "../runtime/errors.ts";
import type { Logger } from "../runtime/log.ts";
import type { Lease } from "../runtime/message/envelope.ts";
import type { HostedPool, PoolStats } from "../runtime/sandbox/registry.ts";
import { SANDBOX_LEASE_KIND, type Bind, type ExecResult, type SandboxExecOptions, type SandboxSpec } from "../runtime/sandbox/types.ts";
import type { SandboxBackend, SandboxBox } from "./backends/types.ts";

type Held = { lease: Lease; task: string; box: SandboxBox; lastUsed: number; busy: number };
/** What one acquire may add to the pool's spec (a sandbox service passes its clients' checked binds and env). */
export type AcquireOptions = {
  signal?: AbortSignal;
  /** Binds added to the spec's for this sandbox. */
  binds?: Bind[];
  /** Variables added to the spec's env for this sandbox. */
  env?: Record<string, string>;
  /** Waits at most this long for a free slot (capped by `acquire_timeout_ms`). */
  wait_ms?: number;
};

type Waiter = { resolve: () => void; reject: (err: Error) => void; cleanup: () => void };

export type PoolOptions = {
  /** Parent folder of the work dirs (default: a fresh temporary folder, removed on close). */
  root?: string;
  log?: Logger;
  /** Clock (tests). */
  now?: () => number;
};

/**
 * Leases sandboxes to tasks: `acquire(task) → lease`, `exec(lease, cmd)`, `release(lease)`. At most
 * `spec.max_live` sandboxes exist; further acquires wait in order. A lease idle longer than `spec.lease_ttl_ms`
 * (its task vanished with a crashed agent) is released by a periodic sweep. Every method takes and returns plain
 * data, so the same calls can be served over request/reply.
 */
export class SandboxPool implements HostedPool {
  readonly name: string;
  readonly #spec: SandboxSpec;
  readonly #backend: SandboxBackend;
  readonly #root: string;
  readonly #ownRoot: boolean;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  readonly #leases = new Map<string, Held>();
  readonly #waiters: Waiter[] = [];
  /** Sandboxes alive or being created: what the cap counts. */
  #slots = 0;
  #closed = false;
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #stats = { acquired: 0, released: 0, expired: 0, execs: 0, timed_out: 0 };

  constructor(name: string, spec: SandboxSpec, backend: SandboxBackend, opts: PoolOptions = {}) {
    this.name = name;
    this.#spec = spec;
    this.#backend = backend;
    this.#ownRoot = opts.root === undefined;
    this.#root = opts.root ?? mkdtempSync(join(tmpdir(), "matrix-sandboxes-"));
    this.#log = opts.log;
    this.#now = opts.now ?? Date.now;
    this.#sweeper = setInterval(() => void this.sweep(), Math.max(50, Math.min(30_000, spec.lease_ttl_ms / 4)));
    // The sweep must not keep a finished process alive.
    (this.#sweeper as { unref?: () => void }).unref?.();
  }

  async acquire(task: string, opts: AcquireOptions = {}): Promise<Lease> {
    if (this.#closed) throw new TerminalError("sandbox_closed", `sandbox pool ${this.name} is closed`);
    // A waiter is handed the freed slot directly, so a later acquire cannot overtake it.
    if (this.#slots >= this.#spec.max_live) await this.#wait(opts.signal, Math.min(opts.wait_ms ?? Infinity, this.#spec.acquire_timeout_ms));
    else this.#slots++;
    const id = `sbx-${randomBytes(6).toString("hex")}`;
    const extra = (opts.binds?.length ?? 0) > 0 || Object.keys(opts.env ?? {}).length > 0;
    const spec = extra ? { ...this.#spec, binds: [...this.#spec.binds, ...(opts.binds ?? [])], env: { ...this.#spec.env, ...opts.env } } : this.#spec;
    const box: SandboxBox = { id, workDir: join(this.#root, id), spec };
    try {
      mkdirSync(box.workDir, { recursive: true });
      await this.#backend.create(box);
    } catch (err) {
      rmSync(box.workDir, { recursive: true, force: true });
      this.#free();
      throw new MatrixError("sandbox_create", `cannot create a ${this.#backend.name} sandbox: ${(err as Error).message}`, { cause: err });
    }
    const lease: Lease = { kind: SANDBOX_LEASE_KIND, id, service: this.name };
    this.#leases.set(id, { lease, task, box, lastUsed: this.#now(), busy: 0 });
    this.#stats.acquired++;
    return lease;
  }

  async exec(leaseId: string, cmd: string[], opts: SandboxExecOptions = {}): Promise<ExecResult> {
    const held = this.#leases.get(leaseId);
    if (!held) throw new TerminalError("lease_unknown", `sandbox lease ${leaseId} is not live (released or expired)`);
    held.busy++;
    held.lastUsed = this.#now();
    try {
      const r = await this.#backend.exec(held.box, cmd, opts);
      this.#stats.execs++;
      if (r.timed_out) this.#stats.timed_out++;
      return r;
    } finally {
      held.busy--;
      held.lastUsed = this.#now();
    }
  }

  async release(leaseId: string): Promise<boolean> {
    const held = this.#leases.get(leaseId);
    if (!held) return false;
    this.#leases.delete(leaseId);
    this.#stats.released++;
    try {
      await this.#backend.destroy(held.box);
    } catch (err) {
      this.#log?.warn("sandbox destroy failed", { pool: this.name, lease: leaseId, error: (err as Error).message });
    } finally {
      rmSync(held.box.workDir, { recursive: true, force: true });
      this.#free();
    }
    return true;
  }

  /** Releases leases idle for longer than the TTL; returns how many. */
  async sweep(): Promise<number> {
    const cutoff = this.#now() - this.#spec.lease_ttl_ms;
    const stale = [...this.#leases.values()].filter((h) => h.busy === 0 && h.lastUsed < cutoff);
    for (const h of stale) {
      this.#log?.warn("sandbox lease expired (its task did not release it)", { pool: this.name, lease: h.lease.id, task: h.task });
      this.#stats.expired++;
      await this.release(h.lease.id);
    }
    return stale.length;
  }

  stats(): PoolStats {
    return { live: this.#leases.size, waiting: this.#waiters.length, ...this.#stats };
  }

  /** Leases alive now, with their tasks (for status displays and tests). */
  leases(): Array<{ lease: Lease; task: string; workDir: string }> {
    return [...this.#leases.values()].map((h) => ({ lease: h.lease, task: h.task, workDir: h.box.workDir }));
  }

  /** Rejects waiters, destroys every live sandbox, removes the work dirs. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const w of this.#waiters.splice(0)) {
      w.cleanup();
      w.reject(new TerminalError("sandbox_closed", `sandbox pool ${this.name} closed`));
    }
    if (this.#leases.size > 0) this.#log?.warn("sandbox pool closed with live leases", { pool: this.name, live: this.#leases.size });
    for (const id of [...this.#leases.keys()]) await this.release(id);
    if (this.#ownRoot) rmSync(this.#root, { recursive: true, force: true });
  }

  #wait(signal: AbortSignal | undefined, waitMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new RetryableError("sandbox_busy", `no free sandbox in pool ${this.name} within ${waitMs} ms`));
      }, waitMs);
      const onAbort = () => {
        remove();
        reject(signal?.reason instanceof Error ? signal.reason : new RetryableError("aborted", "acquire aborted"));
      };
      const waiter: Waiter = { resolve, reject, cleanup: () => (clearTimeout(timer), signal?.removeEventListener("abort", onAbort)) };
      const remove = () => {
        waiter.cleanup();
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** A slot became free: hand it to the first waiter, else count it free. */
  #free(): void {
    const next = this.#waiters.shift();
    if (!next) {
      this.#slots--;
      return;
    }
    next.cleanup();
    next.resolve();
  }
}
