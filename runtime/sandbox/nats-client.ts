// A sandbox pool reached over NATS request/reply: the same `SandboxService` calls, served by `matrix service-manager` hosts.
import { errors, RequestError, type NatsConnection } from "@nats-io/nats-core";
import * as v from "valibot";
import { ConfigError, MatrixError, RetryableError, TerminalError } from "../errors.ts";
import type { Lease } from "../message/envelope.ts";
import {
  AcquireReply,
  decodeBody,
  encodeBody,
  ExecReply,
  isSubjectToken,
  HostStats,
  ReleaseReply,
  remoteLeaseService,
  sandboxSubjects,
  splitLeaseId,
  type AcquireRequest,
  type ExecRequest,
  type Reply,
} from "./nats-protocol.ts";
import type { Bind, ExecResult, SandboxExecOptions, SandboxService } from "./types.ts";

/** Extra ms a request waits beyond the work it asks for (transport, sandbox start). */
const SLACK_MS = 15_000;
/** Exec time limit when the call gives none (the backends' default). */
const DEFAULT_EXEC_S = 60;
/** Release and stats are quick. */
const CONTROL_TIMEOUT_MS = 10_000;

const parseAcquire = v.parser(AcquireReply);
const parseExec = v.parser(ExecReply);
const parseRelease = v.parser(ReleaseReply);
const parseStats = v.parser(HostStats);

export type NatsSandboxOptions = {
  namespace: string;
  /** Read-only binds and env asked for with every acquire (the workflow's spec; the host checks the binds). */
  binds?: Bind[];
  env?: Record<string, string>;
  /** How long an acquire waits for a free sandbox (ms). */
  acquireTimeoutMs?: number;
};

/**
 * The client side of a sandbox service: `acquire` goes to any host of the service (queue group), `exec` and
 * `release` to the host named in the lease id. Leases are `{kind: "sandbox", id: "<host>:<sandbox>",
 * service: "nats:<service>"}`, so any process of the deployment (the sink's) can release them.
 */
export class NatsSandboxService implements SandboxService {
  readonly name: string;
  readonly service: string;
  readonly #nc: NatsConnection;
  readonly #subjects: ReturnType<typeof sandboxSubjects>;
  readonly #opts: NatsSandboxOptions;

  constructor(nc: NatsConnection, service: string, opts: NatsSandboxOptions) {
    this.#nc = nc;
    this.service = service;
    this.name = remoteLeaseService(service);
    this.#subjects = sandboxSubjects(opts.namespace, service);
    this.#opts = opts;
  }

  /** The same service asking for other binds and env (one client per workflow pool, one connection). */
  withSpec(spec: Pick<NatsSandboxOptions, "binds" | "env" | "acquireTimeoutMs">): NatsSandboxService {
    return new NatsSandboxService(this.#nc, this.service, { ...this.#opts, ...spec });
  }

  async acquire(task: string, opts: { signal?: AbortSignal } = {}): Promise<Lease> {
    const wait = this.#opts.acquireTimeoutMs ?? 600_000;
    const body: AcquireRequest = { task, binds: this.#opts.binds ?? [], env: this.#opts.env ?? {}, wait_ms: wait };
    const sent = this.#request(this.#subjects.acquire, body, wait + SLACK_MS, parseAcquire);
    try {
      return (await abortable(sent, opts.signal)).lease;
    } catch (err) {
      // A grant that arrives after the hop gave up would hold a sandbox until the TTL: give it back.
      if (opts.signal?.aborted) {
        sent.then((r) => this.release(r.lease.id)).catch(() => undefined);
      }
      throw err;
    }
  }

  async exec(lease: string, cmd: string[], opts: SandboxExecOptions = {}): Promise<ExecResult> {
    const { host, sandbox } = this.#split(lease);
    const body: ExecRequest = { lease: sandbox, cmd };
    if (opts.stdin !== undefined) body.stdin = opts.stdin;
    if (opts.timeout_s !== undefined) body.timeout_s = opts.timeout_s;
    if (opts.env !== undefined) body.env = opts.env;
    const limitMs = (opts.timeout_s ?? DEFAULT_EXEC_S) * 1000;
    return abortable(this.#request(this.#subjects.exec(host), body, limitMs + SLACK_MS, parseExec), opts.signal);
  }

  async release(lease: string): Promise<boolean> {
    const { host, sandbox } = this.#split(lease);
    try {
      return (await this.#request(this.#subjects.release(host), { lease: sandbox }, CONTROL_TIMEOUT_MS, parseRelease)).released;
    } catch (err) {
      // The host is gone (stopped or crashed): its sandboxes went with it.
      if (err instanceof MatrixError && err.code === "sandbox_unavailable") return false;
      throw err;
    }
  }

  /** What every host of the service reports (waits `waitMs` for answers). */
  async stats(waitMs = 500): Promise<HostStats[]> {
    const out: HostStats[] = [];
    const replies = await this.#nc.requestMany(this.#subjects.stats, encodeBody({}), { strategy: "timer", maxWait: waitMs });
    for await (const m of replies) {
      const r = decodeBody(m.data) as Reply<unknown>;
      if (r.ok) out.push(parseStats(r.value));
    }
    return out.sort((a, b) => a.host.localeCompare(b.host));
  }

  #split(lease: string): { host: string; sandbox: string } {
    const parts = splitLeaseId(lease);
    if (!parts) throw new TerminalError("lease_unknown", `"${lease}" is not a lease of sandbox service ${this.service}`);
    return parts;
  }

  async #request<T>(subject: string, body: unknown, timeoutMs: number, parse: (x: unknown) => T): Promise<T> {
    let reply: Reply<unknown>;
    try {
      const m = await this.#nc.request(subject, encodeBody(body), { timeout: timeoutMs });
      reply = decodeBody(m.data) as Reply<unknown>;
    } catch (err) {
      if (err instanceof errors.NoRespondersError || (err instanceof RequestError && err.isNoResponders())) {
        throw new RetryableError("sandbox_unavailable", `no host of sandbox service ${this.service} answers on ${subject}`, { cause: err });
      }
      if (err instanceof errors.TimeoutError || (err instanceof Error && err.name === "TimeoutError")) {
        throw new RetryableError("sandbox_timeout", `sandbox service ${this.service} did not answer within ${timeoutMs} ms (${subject})`, { cause: err });
      }
      throw new RetryableError("sandbox_unavailable", `sandbox service ${this.service}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (!reply.ok) throw new MatrixError(reply.error.code, reply.error.message, { retryable: reply.error.retryable });
    return parse(reply.value);
  }
}

/** Rejects with the signal's reason when it fires first (the request itself runs to its end). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    // Nobody waits for the request any more; its outcome must not surface as an unhandled rejection.
    p.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new RetryableError("aborted", "sandbox call aborted");
}

/**
 * The sandbox services of one deployment, by name: what `ctx.sandbox(name)` uses in a distributed run when the
 * workflow's pool names a `service`, and what the sink releases leases through.
 */
export class NatsSandboxDirectory {
  readonly #nc: NatsConnection;
  readonly #namespace: string;
  readonly #clients = new Map<string, NatsSandboxService>();

  constructor(nc: NatsConnection, namespace: string) {
    this.#nc = nc;
    this.#namespace = namespace;
  }

  /** The client of sandbox service `name`. */
  service(name: string): NatsSandboxService {
    let c = this.#clients.get(name);
    if (!c) {
      if (!isSubjectToken(name)) throw new ConfigError(`sandbox service name "${name}": expected letters, digits, _ or -`);
      c = new NatsSandboxService(this.#nc, name, { namespace: this.#namespace });
      this.#clients.set(name, c);
    }
    return c;
  }
}
