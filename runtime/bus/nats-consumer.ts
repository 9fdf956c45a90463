// A running consumer of one role: pulls from the role's durable JetStream consumer in batches sized by free slots.
//
// The pull protocol is JetStream's own (`$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>` with a reply inbox); it is
// spoken here rather than through the client's `consume()` because that one buffers a fixed batch ahead of the
// handlers, which hoards work in one process and lets its ack-wait clocks run. Invariants:
// - at most one pull request is open, and it asks for at most `concurrency - inFlight - waiting` messages;
// - request N replies to `<inbox>.N` (one wildcard subscription), so its end (408/409/503 status) is recognised;
// - a message arriving with no free slot (a request that outlived a reconnect) waits locally, heartbeated;
// - every delivery is settled exactly once: by the handler, or abandoned (nak) when the handler did not.
import { createInbox, nanos, type Msg, type NatsConnection, type Subscription } from "@nats-io/nats-core";
import type { JetStreamManager } from "@nats-io/jetstream";
import { backoffDelay } from "../backoff.ts";
import type { Consumer, ConsumeOptions, BusEvent } from "./types.ts";
import { JetStreamDelivery, type DeliveryContext, type TrackedDelivery } from "./nats-delivery.ts";
import { loadFinalDelivery, maxDeliveriesSubject } from "./nats-final.ts";
import type { CompiledNatsBusOptions } from "./nats-options.ts";

type State = "starting" | "running" | "draining" | "stopped";

/** What the bus gives each of its consumers. */
export type NatsConsumerContext = {
  nc: NatsConnection;
  jsm(): Promise<JetStreamManager>;
  stream: string;
  opts: CompiledNatsBusOptions;
  /** Ensures the stream and the role's durable consumer (again, not from memory, when `fresh`); returns its name. */
  ensure(fresh?: boolean): Promise<string>;
  emit(event: BusEvent): void;
  /** Called once when the consumer has stopped. */
  stopped(consumer: NatsConsumer): void;
};

type OpenPull = { token: string; remaining: number; timer: ReturnType<typeof setTimeout> };

// Extra wait past a pull's expiry before it is presumed lost (its 408 normally ends it first).
const PULL_GRACE_MS = 1_000;
// Pause before pulling again after a pull was refused (409) or reached no consumer leader (503).
const REFUSED_PAUSE_MS = 1_000;
// At most one re-creation of the durable consumer per this interval (a failover answers 503 to every pull).
const RECREATE_EVERY_MS = 5_000;

/** Consumer of one (workflow, role) on the NATS bus. Created by `NatsBus.consume`. */
export class NatsConsumer implements Consumer {
  readonly workflow: string;
  readonly role: string;
  readonly closed: Promise<void>;
  #state: State = "starting";
  #inFlight = 0;
  readonly #waiting: TrackedDelivery[] = [];
  readonly #tracked = new Set<TrackedDelivery>();
  readonly #running = new Set<Promise<void>>();
  #pull: OpenPull | undefined;
  #pullSeq = 0;
  #pausedTimer: ReturnType<typeof setTimeout> | undefined;
  #workingTimer: ReturnType<typeof setInterval> | undefined;
  #sub: Subscription | undefined;
  #advisories: Subscription | undefined;
  #nextSubject = "";
  #wake: (() => void) | undefined;
  /** Called when the last in-flight handler has settled (set by drain). */
  #idle: (() => void) | undefined;
  #draining: Promise<void> | undefined;
  #recreating = false;
  #recreatedAt = 0;
  #resolveClosed!: () => void;
  readonly #inbox = createInbox();
  readonly #ctx: NatsConsumerContext;
  readonly #opts: ConsumeOptions;
  readonly #delivery: DeliveryContext;

  constructor(ctx: NatsConsumerContext, workflow: string, role: string, opts: ConsumeOptions) {
    if (!(opts.concurrency >= 1)) throw new Error("concurrency must be >= 1");
    this.workflow = workflow;
    this.role = role;
    this.#ctx = ctx;
    this.#opts = opts;
    this.#delivery = {
      nc: ctx.nc,
      workflow,
      role,
      maxDeliver: ctx.opts.maxDeliver,
      apiTimeoutMs: ctx.opts.apiTimeoutMs,
      confirmAcks: ctx.opts.confirmAcks,
      ackWaitMs: ctx.opts.ackWaitMs,
      log: ctx.opts.log,
      emit: ctx.emit,
    };
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    this.#track(this.#start());
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Keeps `p` in the set drain awaits; a rejection is logged (every path inside already handles its errors). */
  #track(p: Promise<void>): void {
    const tracked: Promise<void> = p
      .catch((err: unknown) => this.#ctx.opts.log.warn("bus: consumer task failed", { workflow: this.workflow, role: this.role, error: String(err) }))
      .finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
  }

  async #start(): Promise<void> {
    let durable = "";
    for (let attempt = 1; this.#state === "starting"; attempt++) {
      try {
        durable = await this.#ctx.ensure();
        break;
      } catch (err) {
        this.#ctx.opts.log.warn("bus: cannot create the role's consumer, retrying", {
          workflow: this.workflow,
          role: this.role,
          error: err instanceof Error ? err.message : String(err),
        });
        await this.#sleep(backoffDelay(attempt, { initial_ms: 200, max_ms: 5_000, multiplier: 2 }, () => 0.5 + Math.random() / 2));
      }
    }
    if (this.#state !== "starting") return;
    const { nc, stream, opts } = this.#ctx;
    this.#nextSubject = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`;
    this.#sub = nc.subscribe(`${this.#inbox}.*`, { callback: (err, m) => (err ? this.#subError(err) : this.#onReply(m)) });
    this.#advisories = nc.subscribe(maxDeliveriesSubject(stream, durable), {
      queue: durable,
      callback: (err, m) => (err ? this.#subError(err) : this.#track(this.#onMaxDeliveries(m))),
    });
    if (opts.autoWorking) {
      const period = Math.max(50, Math.floor(opts.ackWaitMs / 4));
      this.#workingTimer = setInterval(() => this.#heartbeat(period), period);
    }
    this.#state = "running";
    this.#pump();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #subError(err: Error): void {
    this.#ctx.opts.log.warn("bus: subscription error", { workflow: this.workflow, role: this.role, error: err.message });
  }

  /** Keeps the ack deadline of long handlers (and of locally waiting messages) from expiring. */
  #heartbeat(period: number): void {
    const now = Date.now();
    for (const d of this.#tracked) if (!d.settled && now - d.lastProgress >= period) d.working();
  }

  #onReply(m: Msg): void {
    if (!m.reply) {
      // A status about the pull named by the subject's last token: 100 idle heartbeat, 408 expired, 409 refused.
      const code = m.headers?.code ?? 0;
      if (code === 100 || this.#pull?.token !== m.subject.slice(this.#inbox.length + 1)) return;
      if (code === 408) {
        this.#endPull(0);
        return;
      }
      // 503: no consumer leader answers (failover, or the consumer is gone); 409: refused (deleted, too many waiting).
      this.#endPull(REFUSED_PAUSE_MS);
      if (code === 503 || /deleted/i.test(m.headers?.description ?? "")) this.#recreate();
      return;
    }
    // Messages keep their stream subject, so they cannot name their pull: they count against the open one.
    const pull = this.#pull;
    let d: JetStreamDelivery;
    try {
      d = new JetStreamDelivery(m, this.#delivery);
    } catch (err) {
      this.#ctx.opts.log.warn("bus: dropping a message that is not a JetStream delivery", { subject: m.subject, error: String(err) });
      return;
    }
    if (this.#state !== "running") {
      d.release();
      return;
    }
    this.#admit(d);
    if (pull && --pull.remaining <= 0) this.#endPull(0);
  }

  /** Creates the durable consumer again if it was deleted (idempotent when it exists). One attempt at a time. */
  #recreate(): void {
    if (this.#recreating || Date.now() - this.#recreatedAt < RECREATE_EVERY_MS) return;
    this.#recreating = true;
    this.#recreatedAt = Date.now();
    this.#track(
      this.#ctx
        .ensure(true)
        .then(
          () => undefined,
          (err: unknown) => this.#ctx.opts.log.debug("bus: consumer not re-created yet", { workflow: this.workflow, role: this.role, error: String(err) }),
        )
        .finally(() => (this.#recreating = false)),
    );
  }

  async #onMaxDeliveries(m: Msg): Promise<void> {
    if (this.#state !== "running") return;
    try {
      const d = await loadFinalDelivery(await this.#ctx.jsm(), this.#ctx.stream, m, this.#delivery);
      if (!d) return;
      if (this.#state !== "running") {
        await d.abandon(0);
        return;
      }
      this.#admit(d);
    } catch (err) {
      this.#ctx.opts.log.warn("bus: cannot load a hop that exceeded max deliveries", { workflow: this.workflow, role: this.role, error: String(err) });
    }
  }

  #admit(d: TrackedDelivery): void {
    this.#tracked.add(d);
    if (this.#inFlight < this.#opts.concurrency) this.#run(d);
    else this.#waiting.push(d);
  }

  // Not tracked as a promise (drain waits for `inFlight` to reach 0): two promises and a closure less per hop.
  #run(d: TrackedDelivery): void {
    this.#inFlight++;
    void this.#execute(d);
  }

  /** Never rejects. */
  async #execute(d: TrackedDelivery): Promise<void> {
    try {
      await this.#opts.handler(d);
    } catch (err) {
      this.#ctx.opts.log.debug("bus: handler threw", { workflow: this.workflow, role: this.role, error: String(err) });
    }
    // We MUST settle every delivery we started: an unsettled one goes back to the queue.
    try {
      if (!d.settled) await d.abandon(this.#ctx.opts.unsettledRetryMs);
    } catch (err) {
      this.#ctx.opts.log.warn("bus: cannot hand back an unsettled hop", { workflow: this.workflow, role: this.role, error: String(err) });
    }
    this.#tracked.delete(d);
    if (--this.#inFlight === 0) this.#idle?.();
    try {
      this.#pump();
    } catch (err) {
      this.#ctx.opts.log.warn("bus: consumer task failed", { workflow: this.workflow, role: this.role, error: String(err) });
    }
  }

  #endPull(pauseMs: number): void {
    if (!this.#pull) return;
    clearTimeout(this.#pull.timer);
    this.#pull = undefined;
    if (pauseMs > 0) this.#pause(pauseMs);
    else this.#pump();
  }

  #pause(ms: number): void {
    if (this.#pausedTimer) return;
    this.#pausedTimer = setTimeout(() => {
      this.#pausedTimer = undefined;
      this.#pump();
    }, ms);
  }

  /** Starts waiting deliveries on free slots, then asks the server for as many messages as slots remain. */
  #pump(): void {
    if (this.#state !== "running") return;
    while (this.#inFlight < this.#opts.concurrency && this.#waiting.length > 0) this.#run(this.#waiting.shift()!);
    if (this.#pull || this.#pausedTimer) return;
    const batch = this.#opts.concurrency - this.#inFlight - this.#waiting.length;
    if (batch <= 0) return;
    const token = String(++this.#pullSeq);
    const { pullExpiresMs } = this.#ctx.opts;
    const timer = setTimeout(() => {
      // No 408 came: the request died with a server or a connection. Ask again.
      if (this.#pull?.token === token) this.#endPull(0);
    }, pullExpiresMs + PULL_GRACE_MS);
    this.#pull = { token, remaining: batch, timer };
    try {
      this.#ctx.nc.publish(this.#nextSubject, JSON.stringify({ batch, expires: nanos(pullExpiresMs) }), {
        reply: `${this.#inbox}.${token}`,
      });
    } catch (err) {
      this.#ctx.opts.log.debug("bus: pull request not sent", { workflow: this.workflow, role: this.role, error: String(err) });
      this.#endPull(REFUSED_PAUSE_MS);
    }
  }

  /** The connection came back: open pull requests may have died with the old one, so pull again. */
  reconnected(): void {
    if (this.#state !== "running" || !this.#pull) return;
    this.#endPull(0);
  }

  /** Stops pulling, hands back deliveries that never started, and waits for the in-flight handlers. */
  drain(): Promise<void> {
    this.#draining ??= this.#drain();
    return this.#draining;
  }

  async #drain(): Promise<void> {
    this.#state = "draining";
    this.#wake?.();
    if (this.#pull) clearTimeout(this.#pull.timer);
    this.#pull = undefined;
    if (this.#pausedTimer) clearTimeout(this.#pausedTimer);
    this.#pausedTimer = undefined;
    // The server checks a pull request's reply interest before each delivery, so unsubscribing ends the request.
    for (const sub of [this.#sub, this.#advisories]) {
      try {
        sub?.unsubscribe();
      } catch {
        // Connection already closed.
      }
    }
    for (const d of this.#waiting.splice(0)) {
      this.#tracked.delete(d);
      if (d instanceof JetStreamDelivery) d.release();
      else this.#track(d.abandon(0));
    }
    // In-flight handlers, their settling, and a setup still in progress.
    while (this.#inFlight > 0 || this.#running.size > 0) {
      if (this.#inFlight > 0) await new Promise<void>((r) => (this.#idle = r));
      this.#idle = undefined;
      await Promise.all(this.#running);
    }
    this.#state = "stopped";
    if (this.#workingTimer) clearInterval(this.#workingTimer);
    this.#workingTimer = undefined;
    this.#resolveClosed();
    this.#ctx.stopped(this);
  }
}
