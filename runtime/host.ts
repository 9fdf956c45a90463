// The agent host: consumes roles from the bus, runs their handlers, routes each message to its next hop.
import { setMaxListeners } from "node:events";
import type { Bus, Consumer, Delivery } from "./bus/types.ts";
import { backoffDelay } from "./backoff.ts";
import { ensureError, MatrixError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { hasRefs, offload, resolveAll, resolveRef, type BlobStore } from "./message/blobs.ts";
import { decode, encode } from "./message/codec.ts";
import { parseEnvelope, SINK, type Envelope, type Ref } from "./message/envelope.ts";
import type { RoleContext, RoleLlm, WorkflowDefinition } from "./workflow.ts";
import { sandboxForHop } from "./sandbox/registry.ts";

/** Everything the host needs to run the hops of one run. */
export type RunBinding = {
  workflow: WorkflowDefinition;
  params: Record<string, unknown>;
  /**
   * The LLM resource `name` as seen by one hop: usage labelled with `role`, the task id as sticky key, and a
   * default request seed derived from the task seed and the hop (reproducible reruns).
   */
  llm(name: string, role: string, msg: Envelope, signal: AbortSignal): RoleLlm;
  blobs: BlobStore;
  maxAttempts: number;
  retry: { initial_ms: number; max_ms: number };
  offloadThreshold: number;
};

export type HopEvent = {
  workflow: string;
  role: string;
  /** `rejected`: the message could not be decoded or validated and was terminated. */
  outcome: "ok" | "retry" | "error" | "rejected";
  ms: number;
  code?: string;
  /** LLM tokens of the turn this hop added. */
  usage?: { prompt_tokens: number; completion_tokens: number };
};

/** Hops that share one abort signal. */
const HOPS_PER_SIGNAL = 64;

type SignalGroup = { controller: AbortController; started: number; open: number };

export type HostOptions = {
  bus: Bus;
  /** Looks up the binding of a run (the embedded run has exactly one; agents read it from the run state). */
  binding(run: string): RunBinding | undefined | Promise<RunBinding | undefined>;
  log: Logger;
  /** Aborts handlers on forced shutdown. */
  signal?: AbortSignal;
  onHop?: (event: HopEvent) => void;
  /**
   * Writes a finished task's row in place of a hop to the sink (a process that serves the sink too): one message
   * on the bus per task less. The hop is acked after it returns; if it throws, the hop is retried.
   */
  finish?: (msg: Envelope) => Promise<void>;
};

/** Publishes a message to its `next` role with the hop dedup id `run/task/hop`. */
export async function publishHop(bus: Bus, msg: Envelope, blobs: BlobStore, threshold: number): Promise<void> {
  let bytes = encode(msg);
  // No field can exceed the threshold when the whole message does not: the common case skips the walk.
  if (bytes.byteLength > threshold) {
    await offload(msg, blobs, threshold);
    bytes = encode(msg);
  }
  await bus.publish(msg.workflow, msg.next, bytes, { id: `${msg.run}/${msg.task}/${msg.hop}` });
}

/**
 * Reads a delivery as an envelope meant for its (workflow, role). Throws when the bytes do not decode, do not
 * validate, or name another workflow or role than the queue they came from.
 */
export function readDelivery(d: Delivery): Envelope {
  const raw = decode(d.data);
  // Bytes this process encoded from a typed Envelope need no second validation; anything from a wire does.
  const msg = d.trusted === true ? (raw as Envelope) : parseEnvelope(raw);
  if (msg.workflow !== d.workflow || msg.next !== d.role) {
    throw new Error(`message of ${msg.workflow}/${msg.next} (task ${msg.task}) arrived on the queue of ${d.workflow}/${d.role}`);
  }
  return msg;
}

/**
 * Terminates a delivery that cannot be read. It cannot become a row (there is no trustworthy task id), so it is
 * logged with where it came from and removed, never retried: a poison message must not block its queue.
 */
export async function rejectDelivery(d: Delivery, err: unknown, log: Logger): Promise<void> {
  log.error("terminating a message that fails to decode or validate", {
    subject: d.subject ?? `${d.workflow}/${d.role}`,
    workflow: d.workflow,
    role: d.role,
    bytes: d.data.byteLength,
    error: ensureError(err).message.split("\n")[0],
  });
  await d.fail("undecodable");
}

/** Moves a message straight to the sink as an error row. */
export function markFailed(msg: Envelope, role: string, err: MatrixError): void {
  msg.error = { code: err.code, message: err.message, role, retryable: err.retryable };
  msg.next = SINK;
  msg.hop++;
  msg.updated_at = Date.now();
}

export class AgentHost {
  readonly #consumers: Consumer[] = [];
  readonly #opts: HostOptions;
  readonly #controller = new AbortController();
  // Abort signals of running hops, each shared by up to HOPS_PER_SIGNAL hops (see #join), aborted together on
  // forced shutdown. Handlers and the LLM client add listeners to their hop's signal; a listener per call on one
  // signal for every hop in flight would make every add O(in flight).
  readonly #groups = new Set<SignalGroup>();
  #group: SignalGroup | undefined;

  constructor(opts: HostOptions) {
    this.#opts = opts;
    opts.signal?.addEventListener("abort", () => this.abort(opts.signal?.reason), { once: true });
  }

  /** Starts consumers for the given roles of a workflow. */
  serve(wf: WorkflowDefinition, roles: string[], concurrency: number): void {
    for (const role of roles) {
      if (!wf.roles[role]) throw new MatrixError("config", `workflow "${wf.name}" has no role "${role}"`);
      this.#consumers.push(
        this.#opts.bus.consume(wf.name, role, { concurrency, handler: (d) => this.#handle(d) }),
      );
    }
  }

  get inFlight(): number {
    return this.#consumers.reduce((n, c) => n + c.inFlight, 0);
  }

  /** Stops taking hops and waits for those in flight. */
  async drain(): Promise<void> {
    await Promise.all(this.#consumers.map((c) => c.drain()));
  }

  /** Aborts running handlers (second signal). */
  abort(reason?: unknown): void {
    this.#controller.abort(reason);
    for (const g of this.#groups) g.controller.abort(reason);
  }

  // One async frame per hop (not a wrapper around another): every frame a hop keeps through its LLM wait is
  // copied by the young-generation collector, and 20,000 hops wait at once.
  async #handle(d: Delivery): Promise<void> {
    const group = this.#join();
    const signal = group.controller.signal;
    try {
      const started = performance.now();
      let msg: Envelope;
      try {
        msg = readDelivery(d);
      } catch (err) {
        await rejectDelivery(d, err, this.#opts.log);
        this.#opts.onHop?.({ workflow: d.workflow, role: d.role, outcome: "rejected", ms: performance.now() - started });
        return;
      }
      let binding: RunBinding | undefined;
      try {
        const found = this.#opts.binding(msg.run);
        binding = found instanceof Promise ? await found : found;
      } catch (err) {
        this.#opts.log.warn("cannot read the run state; hop retried", { run: msg.run, error: ensureError(err).message });
        await d.retry(1_000);
        return;
      }
      if (!binding) {
        if (d.lastAttempt) {
          this.#opts.log.error("terminating a hop of an unknown run", { run: msg.run, task: msg.task, subject: d.subject ?? `${d.workflow}/${d.role}` });
          await d.fail("unknown_run");
          return;
        }
        await d.retry(5_000);
        return;
      }
      const wf = binding.workflow;
      const role = msg.next;
      const handler = wf.roles[role];
      try {
        if (!handler) throw new MatrixError("bad_route", `workflow "${wf.name}" has no role "${role}"`);
        // Most messages carry no reference: no await for them.
        if (hasRefs(msg)) await resolveAll(msg, binding.blobs);
        const ctx = this.#context(msg, role, binding, d, signal);
        msg.attempts = d.attempt;
        const result = await handler.handle(msg, ctx);
        if (result.turn) msg.history.push(result.turn);
        if (result.state) Object.assign(msg.state, result.state);
        const next = wf.route(msg, role, result, binding.params);
        if (next !== SINK && !wf.roles[next]) throw new MatrixError("bad_route", `route of "${wf.name}" returned unknown role "${next}"`);
        msg.next = next;
        msg.hop++;
        msg.updated_at = Date.now();
        await this.#forward(msg, binding);
        await d.ack();
        const ev: HopEvent = { workflow: wf.name, role, outcome: "ok", ms: performance.now() - started };
        if (result.turn?.usage) ev.usage = result.turn.usage;
        this.#opts.onHop?.(ev);
      } catch (raw) {
        const err = ensureError(raw);
        const ms = performance.now() - started;
        if (this.#controller.signal.aborted) {
          // Forced shutdown: no row for this task; a resumed run does it again.
          await d.retry(0);
          return;
        }
        // The bus's last delivery (NATS: max_deliver reached) ends the task even if the config allows more attempts.
        if (err.retryable && d.attempt < binding.maxAttempts && d.lastAttempt !== true) {
          const delay = Math.max(
            err.retryAfterMs ?? 0,
            backoffDelay(d.attempt, { initial_ms: binding.retry.initial_ms, max_ms: binding.retry.max_ms, multiplier: 2 }),
          );
          this.#opts.log.debug("hop retried", { task: msg.task, role, attempt: d.attempt, code: err.code, delay_ms: delay });
          await d.retry(delay);
          this.#opts.onHop?.({ workflow: wf.name, role, outcome: "retry", ms, code: err.code });
          return;
        }
        // The original bytes hold the message as it was before this hop; the error row is built from them.
        const failed = parseEnvelope(decode(d.data));
        failed.attempts = d.attempt;
        markFailed(failed, role, err);
        await this.#forward(failed, binding);
        await d.fail(err.code);
        this.#opts.onHop?.({ workflow: wf.name, role, outcome: "error", ms, code: err.code });
      }
    } finally {
      if (--group.open === 0 && group !== this.#group) this.#groups.delete(group);
    }
  }

  /**
   * The abort signal of a starting hop. Hops are only ever aborted all together (`abort()`), so consecutive hops
   * share a signal: an AbortController per hop was a microsecond and a kilobyte per hop. A group is bounded,
   * because every listener added to a signal scans those already there (an LLM call over HTTP adds one).
   */
  #join(): SignalGroup {
    let g = this.#group;
    if (g === undefined || g.started >= HOPS_PER_SIGNAL) {
      const controller = new AbortController();
      // Up to HOPS_PER_SIGNAL hops add their listeners to it: not a leak, so no warning past 10.
      setMaxListeners(0, controller.signal);
      if (this.#controller.signal.aborted) controller.abort(this.#controller.signal.reason);
      g = { controller, started: 0, open: 0 };
      if (this.#group !== undefined && this.#group.open === 0) this.#groups.delete(this.#group);
      this.#group = g;
      this.#groups.add(g);
    }
    g.started++;
    g.open++;
    return g;
  }

  /** Sends a message on to its next role, or writes its row here when it is done and this process can. */
  #forward(msg: Envelope, binding: RunBinding): Promise<void> {
    const finish = this.#opts.finish;
    if (msg.next === SINK && finish !== undefined) return finish(msg);
    return publishHop(this.#opts.bus, msg, binding.blobs, binding.offloadThreshold);
  }

  #context(msg: Envelope, role: string, binding: RunBinding, d: Delivery, signal: AbortSignal): RoleContext {
    return new HopContext(msg, role, binding, d, signal, this.#opts.log);
  }
}

/** A handler's view of one hop: methods on the prototype and a logger made on first use, so a hop stays cheap. */
class HopContext implements RoleContext {
  readonly signal: AbortSignal;
  readonly params: Record<string, unknown>;
  readonly role: string;
  readonly #msg: Envelope;
  readonly #binding: RunBinding;
  readonly #delivery: Delivery;
  readonly #baseLog: Logger;
  #log: Logger | undefined;

  constructor(msg: Envelope, role: string, binding: RunBinding, d: Delivery, signal: AbortSignal, log: Logger) {
    this.signal = signal;
    this.params = binding.params;
    this.role = role;
    this.#msg = msg;
    this.#binding = binding;
    this.#delivery = d;
    this.#baseLog = log;
  }

  get log(): Logger {
    return (this.#log ??= this.#baseLog.child({ task: this.#msg.task, role: this.role }));
  }

  llm(name: string): RoleLlm {
    return this.#binding.llm(name, this.role, this.#msg, this.signal);
  }

  sandbox(name: string): ReturnType<RoleContext["sandbox"]> {
    return sandboxForHop(this.#binding.workflow, this.#binding.params, this.#msg, name, this.signal, this.#baseLog);
  }

  heartbeat(): void {
    this.#delivery.working();
  }

  resolve(ref: Ref): Promise<unknown> {
    return resolveRef(this.#msg, ref, this.#binding.blobs);
  }
}
