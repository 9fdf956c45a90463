// The distributed bus: hops in one JetStream work-queue stream, one durable pull consumer per (workflow, role).
import { jetstreamManager, JetStreamApiError, type JetStreamManager, type PubAck } from "@nats-io/jetstream";
import { errors, nuid, type NatsConnection, type Status } from "@nats-io/nats-core";
import { backoffDelay } from "../backoff.ts";
import { RetryableError } from "../errors.ts";
import type { Bus, BusEvent, BusListener, ConsumeOptions, Consumer, PublishOptions } from "./types.ts";
import { NatsConsumer } from "./nats-consumer.ts";
import { natsNames, type NatsNames } from "./nats-names.ts";
import { compileNatsBusOptions, type CompiledNatsBusOptions, type NatsBusOptions } from "./nats-options.ts";
import { ensureRoleConsumer, ensureWorkStream, isApiError, JS_CODES } from "./nats-setup.ts";
import { JetStreamPublisher } from "./nats-publisher.ts";

export type { NatsBusOptions } from "./nats-options.ts";

type State = "open" | "closing" | "closed";
type Route = { subject: string; durable: string };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Publish errors worth another try: the stream is electing a leader, or the connection is coming back. */
export function transient(err: unknown): boolean {
  if (err instanceof errors.ClosedConnectionError || err instanceof errors.DrainingConnectionError) return false;
  if (err instanceof errors.InvalidArgumentError || err instanceof errors.InvalidSubjectError) return false;
  if (err instanceof JetStreamApiError) return err.status >= 500;
  return true;
}

/**
 * Bus over NATS JetStream (DESIGN §5).
 *
 * - Stream `<ns>_work` (work-queue retention, file storage, `replicas`, dedup window `duplicateWindowMs`) holds hops on
 *   `<ns>.work.<workflow>.<role>`; names are encoded by `subjectToken`, so any workflow or role name is safe.
 * - `publish` sets `Nats-Msg-Id` to the dedup id (`run/task/hop`); a hop the stream already holds is reported as a
 *   `duplicate` event and not stored again.
 * - `consume` binds to the durable pull consumer `<workflow>~~<role>` shared by every process of that role.
 *
 * The bus does not own the connection unless `ownsConnection` is set: `close()` drains its consumers and leaves
 * the connection to whoever opened it.
 *
 * @example
 * const nc = await connectNats("nats://127.0.0.1:4222");
 * const bus = new NatsBus(nc, { namespace: "mx", replicas: 3 });
 * bus.consume("inference", "solver", { concurrency: 64, handler: async (d) => { ...; await d.ack(); } });
 * await bus.publish("inference", "solver", bytes, { id: `${run}/${task}/${hop}` });
 */
export class NatsBus implements Bus {
  readonly kind = "nats";
  readonly nc: NatsConnection;
  readonly options: CompiledNatsBusOptions;
  readonly names: NatsNames;
  readonly #publisher: JetStreamPublisher;
  #jsm: Promise<JetStreamManager> | undefined;
  #stream: Promise<void> | undefined;
  readonly #durables = new Map<string, Promise<string>>();
  readonly #routes = new Map<string, Route>();
  readonly #listeners = new Set<BusListener>();
  readonly #consumers = new Set<NatsConsumer>();
  #status: { loop: Promise<void>; stop(): void } | undefined;
  #state: State = "open";
  #closing: Promise<void> | undefined;

  constructor(nc: NatsConnection, opts: NatsBusOptions = {}) {
    this.nc = nc;
    this.options = compileNatsBusOptions(opts);
    this.names = natsNames(this.options.namespace);
    this.#publisher = JetStreamPublisher.for(nc);
  }

  /** Creates (or updates) the work stream. Optional: `publish`, `consume` and `depth` do it on first use. */
  ready(): Promise<void> {
    this.#stream ??= this.#manager()
      .then((jsm) => ensureWorkStream(jsm, this.names, this.options))
      .catch((err: unknown) => {
        this.#stream = undefined;
        throw err;
      });
    return this.#stream;
  }

  #manager(): Promise<JetStreamManager> {
    this.#jsm ??= jetstreamManager(this.nc, { timeout: this.options.apiTimeoutMs, checkAPI: false }).catch((err: unknown) => {
      this.#jsm = undefined;
      throw err;
    });
    return this.#jsm;
  }

  #route(workflow: string, role: string): Route {
    const key = `${workflow}\u0000${role}`;
    let r = this.#routes.get(key);
    if (!r) {
      r = { subject: this.names.subject(workflow, role), durable: this.names.durable(workflow, role) };
      this.#routes.set(key, r);
    }
    return r;
  }

  #emit(event: BusEvent): void {
    for (const l of this.#listeners) l(event);
  }

  /** Publishes a hop. Allowed while closing, so handlers still in flight can publish their next hop before acking. */
  async publish(workflow: string, role: string, data: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    if (this.#state === "closed") throw new Error("bus is closed");
    const { subject } = this.#route(workflow, role);
    await this.ready();
    // Without a caller id a random one still makes the retries below store the message once.
    const id = opts.id ?? nuid.next();
    const { ack, maybeStored } = await this.#publishAcked(subject, data, id);
    // A duplicate after an attempt that timed out is most likely that attempt's own message.
    if (ack.duplicate && !maybeStored && opts.id !== undefined) this.#emit({ type: "duplicate", workflow, role, id: opts.id });
    else this.#emit({ type: "published", workflow, role });
  }

  async #publishAcked(subject: string, data: Uint8Array, id: string): Promise<{ ack: PubAck; maybeStored: boolean }> {
    const deadline = Date.now() + this.options.publishRetryMs;
    let maybeStored = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await this.#publisher.publish(subject, data, { msgId: id, expectStream: this.names.stream, timeoutMs: this.options.apiTimeoutMs });
        return { ack, maybeStored };
      } catch (err) {
        if (!transient(err)) throw err;
        if (Date.now() >= deadline || this.#state === "closed") {
          const why = err instanceof Error ? err.message : String(err);
          throw new RetryableError("bus_unavailable", `publish to ${subject} failed for ${this.options.publishRetryMs} ms: ${why}`, { cause: err });
        }
        if (err instanceof errors.TimeoutError) maybeStored = true;
        await sleep(backoffDelay(attempt, { initial_ms: 100, max_ms: 2_000, multiplier: 2 }, () => 0.5 + Math.random() / 2));
      }
    }
  }

  consume(workflow: string, role: string, opts: ConsumeOptions): Consumer {
    if (this.#state !== "open") throw new Error("bus is closed");
    const { durable } = this.#route(workflow, role);
    this.#watchReconnects();
    const c = new NatsConsumer(
      {
        nc: this.nc,
        jsm: () => this.#manager(),
        stream: this.names.stream,
        opts: this.options,
        ensure: (fresh) => this.#ensureDurable(workflow, role, durable, fresh ?? false),
        emit: (e) => this.#emit(e),
        stopped: (consumer) => this.#consumers.delete(consumer),
      },
      workflow,
      role,
      opts,
    );
    this.#consumers.add(c);
    return c;
  }

  #ensureDurable(workflow: string, role: string, durable: string, fresh: boolean): Promise<string> {
    if (fresh) {
      this.#stream = undefined;
      this.#durables.delete(durable);
    }
    let p = this.#durables.get(durable);
    if (!p) {
      p = this.ready()
        .then(() => this.#manager())
        .then((jsm) => ensureRoleConsumer(jsm, this.names, this.options, workflow, role))
        .catch((err: unknown) => {
          this.#durables.delete(durable);
          throw err;
        });
      this.#durables.set(durable, p);
    }
    return p;
  }

  /** Re-pulls after a reconnect (pull requests may have died with the old connection). One watcher per bus. */
  #watchReconnects(): void {
    if (this.#status) return;
    const iter = this.nc.status();
    const loop = (async () => {
      for await (const s of iter as AsyncIterable<Status>) {
        if (s.type === "reconnect") for (const c of this.#consumers) c.reconnected();
      }
    })()
      .catch(() => {})
      // The connection closed under the bus: nothing can be pulled any more; drains are awaited by close().
      .then(() => {
        if (this.nc.isClosed()) for (const c of this.#consumers) void c.drain();
      });
    this.#status = { loop, stop: () => (iter as { stop?: () => void }).stop?.() };
  }

  /**
   * Messages waiting for a role (not in flight): the durable consumer's pending count, or, before the role has a
   * consumer, the messages stored on its subject.
   */
  async depth(workflow: string, role: string): Promise<number> {
    const { subject, durable } = this.#route(workflow, role);
    await this.ready();
    const jsm = await this.#manager();
    try {
      const info = await jsm.consumers.info(this.names.stream, durable);
      return info.num_pending;
    } catch (err) {
      if (!isApiError(err, JS_CODES.consumerNotFound)) throw err;
    }
    const info = await jsm.streams.info(this.names.stream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  on(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Drains every consumer (in-flight handlers finish), then closes the connection only if the bus owns it. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = "closing";
    try {
      await Promise.all([...this.#consumers].map((c) => c.drain()));
    } catch (err) {
      this.options.log.warn("bus: drain failed", { error: String(err) });
    }
    try {
      this.#status?.stop();
      await this.#status?.loop;
    } catch {
      // The watcher only ever ends.
    }
    if (this.options.ownsConnection && !this.nc.isClosed()) {
      try {
        await this.nc.drain();
      } catch (err) {
        this.options.log.warn("bus: connection drain failed", { error: String(err) });
      }
    }
    this.#state = "closed";
  }
}
