// One host of a sandbox service: a sandbox pool on this node answering acquire, exec, release and stats over NATS.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Msg, NatsConnection, Subscription } from "@nats-io/nats-core";
import * as v from "valibot";
import { ensureError, TerminalError } from "../../runtime/errors.ts";
import { silentLogger, type Logger } from "../../runtime/log.ts";
import type { Lease } from "../../runtime/message/envelope.ts";
import {
  AcquireRequest,
  decodeBody,
  encodeBody,
  ExecRequest,
  ReleaseRequest,
  remoteLeaseService,
  sandboxSubjects,
  type HostStats,
  type Reply,
} from "../../runtime/sandbox/nats-protocol.ts";
import { SANDBOX_LEASE_KIND, type SandboxSpec } from "../../runtime/sandbox/types.ts";
import type { SandboxBackend } from "../backends/types.ts";
import { SandboxPool } from "../pool.ts";
import { checkBinds } from "./binds.ts";

export type SandboxHostOptions = {
  namespace: string;
  /** Service name (a subject token). */
  service: string;
  /** The pool's spec: backend, capacity (`max_live`), TTL, wait, binds, env, output cap. */
  spec: SandboxSpec;
  backend: SandboxBackend;
  /** Host folders clients may bind read-only (the folder itself or anything below it). */
  allowBinds: string[];
  /** Cap on one exec's time limit (s); calls asking for more get this. */
  maxExecTimeoutS: number;
  /** Parent folder of this host's work dirs (default the system temp folder). */
  workDir?: string;
  log?: Logger;
};

export type SandboxHostState = "running" | "stopping" | "stopped";

const parseAcquire = v.parser(AcquireRequest);
const parseExec = v.parser(ExecRequest);
const parseRelease = v.parser(ReleaseRequest);

/**
 * Serves one sandbox service from this node. Acquires arrive through the service's queue group (any host may take
 * one); the lease id names this host (`<host>:<sandbox>`) so its execs and release come here. A lease idle past the
 * TTL is reclaimed by the pool's sweep (its task vanished with an agent).
 *
 * @example
 * const host = await SandboxHost.start(nc, { namespace: "mx", service: "tools", spec, backend: bubblewrapBackend(), allowBinds: [], maxExecTimeoutS: 600 });
 * await host.stop(); // no new leases, running execs killed, every sandbox destroyed, work dirs removed
 */
export class SandboxHost {
  /** This host's token in lease ids and subjects. */
  readonly host: string;
  readonly pool: SandboxPool;
  readonly #nc: NatsConnection;
  readonly #opts: SandboxHostOptions;
  readonly #log: Logger;
  readonly #root: string;
  readonly #subjects: ReturnType<typeof sandboxSubjects>;
  readonly #subs: Subscription[] = [];
  readonly #loops: Promise<void>[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #state: SandboxHostState = "running";
  #stopping: Promise<void> | undefined;

  private constructor(nc: NatsConnection, opts: SandboxHostOptions) {
    this.#nc = nc;
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
    this.host = `${hostname().replace(/[^A-Za-z0-9_-]/g, "_")}-${randomBytes(4).toString("hex")}`;
    const parent = opts.workDir ?? tmpdir();
    mkdirSync(parent, { recursive: true });
    this.#root = mkdtempSync(join(parent, `matrix-sandboxes-${opts.service}-`));
    this.pool = new SandboxPool(opts.service, opts.spec, opts.backend, { root: this.#root, log: this.#log });
    this.#subjects = sandboxSubjects(opts.namespace, opts.service);
  }

  /** Subscribes and answers until `stop()`; resolves once the server has the subscriptions. */
  static async start(nc: NatsConnection, opts: SandboxHostOptions): Promise<SandboxHost> {
    const h = new SandboxHost(nc, opts);
    const s = h.#subjects;
    h.#serve(nc.subscribe(s.acquire, { queue: s.queue }), (m) => h.#acquire(m));
    h.#serve(nc.subscribe(s.hostWildcard(h.host)), (m) => (m.subject.endsWith(".exec") ? h.#exec(m) : h.#release(m)));
    h.#serve(nc.subscribe(s.stats), async () => h.stats());
    await nc.flush();
    h.#log.info(`sandbox service ${opts.service}: host ${h.host} serving ${s.acquire}`, { backend: opts.spec.backend, capacity: opts.spec.max_live });
    return h;
  }

  get state(): SandboxHostState {
    return this.#state;
  }

  stats(): HostStats {
    return { host: this.host, service: this.#opts.service, backend: this.#opts.spec.backend, capacity: this.#opts.spec.max_live, ...this.pool.stats() };
  }

  /**
   * Stops in order: no more requests taken, running execs killed (their callers get the result), every sandbox
   * destroyed, the work dirs removed. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#state = "stopping";
      const steps: Array<[string, () => Promise<void>]> = [
        ["subscriptions", async () => void (await Promise.all(this.#subs.map((sub) => sub.drain())))],
        ["execs", async () => (this.#abort.abort(new TerminalError("sandbox_closed", "sandbox host stopping")), void (await Promise.allSettled([...this.#inFlight])))],
        ["loops", async () => void (await Promise.allSettled(this.#loops))],
        ["pool", () => this.pool.close()],
        ["work dirs", async () => rmSync(this.#root, { recursive: true, force: true })],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          this.#log.warn(`sandbox service ${this.#opts.service}: stopping ${name} failed`, { error: String(err) });
        }
      }
      this.#state = "stopped";
    })();
    return this.#stopping;
  }

  /** Answers every message of `sub` concurrently; each handler's outcome (or error as data) is the reply. */
  #serve(sub: Subscription, handle: (m: Msg) => Promise<unknown>): void {
    this.#subs.push(sub);
    this.#loops.push(
      (async () => {
        for await (const m of sub) {
          const p = this.#answer(m, handle).finally(() => this.#inFlight.delete(p));
          this.#inFlight.add(p);
        }
      })(),
    );
  }

  async #answer(m: Msg, handle: (m: Msg) => Promise<unknown>): Promise<void> {
    let reply: Reply<unknown>;
    try {
      reply = { ok: true, value: await handle(m) };
    } catch (raw) {
      const err = ensureError(raw);
      reply = { ok: false, error: err.toData() };
    }
    try {
      if (m.reply) m.respond(encodeBody(reply));
    } catch (err) {
      // The connection closed under us: the caller's request times out and is retried.
      this.#log.debug("sandbox reply not sent", { error: String(err) });
    }
  }

  async #acquire(m: Msg): Promise<{ lease: Lease }> {
    if (this.#state !== "running") throw new TerminalError("sandbox_closed", `sandbox host ${this.host} is stopping`);
    const req = parseAcquire(decodeBody(m.data));
    const binds = checkBinds(req.binds, this.#opts.allowBinds);
    const opts = { binds, env: req.env, signal: this.#abort.signal, ...(req.wait_ms === undefined ? {} : { wait_ms: req.wait_ms }) };
    const l = await this.pool.acquire(req.task, opts);
    return { lease: { kind: SANDBOX_LEASE_KIND, id: `${this.host}:${l.id}`, service: remoteLeaseService(this.#opts.service) } };
  }

  async #exec(m: Msg): Promise<unknown> {
    const req = parseExec(decodeBody(m.data));
    const timeout_s = Math.min(req.timeout_s ?? 60, this.#opts.maxExecTimeoutS);
    return this.pool.exec(req.lease, req.cmd, {
      timeout_s,
      signal: this.#abort.signal,
      ...(req.stdin === undefined ? {} : { stdin: req.stdin }),
      ...(req.env === undefined ? {} : { env: req.env }),
    });
  }

  async #release(m: Msg): Promise<{ released: boolean }> {
    const req = parseRelease(decodeBody(m.data));
    return { released: await this.pool.release(req.lease) };
  }
}
