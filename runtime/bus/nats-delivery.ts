// One JetStream delivery as a bus Delivery: the ack protocol (+ACK, -NAK with delay, +TERM, +WPI) on its reply subject.
import { errors, RequestError, type Msg, type NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "../log.ts";
import type { BusEvent, Delivery } from "./types.ts";

const ACK = "+ACK";
const NAK = "-NAK";
const TERM = "+TERM";
const WPI = "+WPI";

/** What a delivery needs from its consumer. */
export type DeliveryContext = {
  readonly nc: NatsConnection;
  readonly workflow: string;
  readonly role: string;
  readonly maxDeliver: number;
  readonly apiTimeoutMs: number;
  /** Wait for the server to confirm each ack (see `NatsBusOptions.confirmAcks`). */
  readonly confirmAcks: boolean;
  /** How long an unconfirmed ack is worth resending: past the ack wait the server redelivers anyway. */
  readonly ackWaitMs: number;
  readonly log: Logger;
  emit(event: BusEvent): void;
};

/** A delivery as the consumer loop tracks it: settled or not, and when its ack deadline was last extended. */
export interface TrackedDelivery extends Delivery {
  readonly settled: boolean;
  /** `Date.now()` of the delivery or of its last `working()`. */
  readonly lastProgress: number;
  /** The handler returned or threw without settling: hand the hop back for redelivery after `delayMs`. */
  abandon(delayMs: number): Promise<void>;
}

/**
 * JetStream's delivery count, from the ack reply subject: `$JS.ACK.<stream>.<consumer>.<delivered>...` (9 tokens), or
 * with `<domain>.<account hash>` after `ACK` (12 tokens, newer servers).
 */
export function deliveryCount(reply: string): number {
  // Read in place (no split into a dozen strings): this runs for every delivery.
  if (!reply.startsWith("$JS.ACK.")) throw new Error(`not a JetStream ack subject: ${reply}`);
  let tokens = 1;
  for (let i = reply.indexOf("."); i !== -1; i = reply.indexOf(".", i + 1)) tokens++;
  if (tokens < 9) throw new Error(`not a JetStream ack subject: ${reply}`);
  const n = Number(token(reply, tokens === 9 ? 4 : 6));
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad delivery count in ${reply}`);
  return n;
}

/** Token `k` (from 0) of a dot-separated subject that has more than `k` tokens. */
function token(subject: string, k: number): string {
  let start = 0;
  for (let i = 0; i < k; i++) start = subject.indexOf(".", start) + 1;
  const end = subject.indexOf(".", start);
  return subject.slice(start, end === -1 ? undefined : end);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function noResponders(err: unknown): boolean {
  return err instanceof errors.NoRespondersError || (err instanceof RequestError && err.isNoResponders());
}

/** A message pulled from the work stream. Exactly one of ack / retry / fail settles it. */
export class JetStreamDelivery implements TrackedDelivery {
  readonly data: Uint8Array;
  readonly attempt: number;
  readonly lastAttempt: boolean;
  readonly workflow: string;
  readonly role: string;
  readonly subject: string;
  #lastProgress = Date.now();
  #settled = false;
  readonly #msg: Msg;
  readonly #ctx: DeliveryContext;

  constructor(msg: Msg, ctx: DeliveryContext) {
    this.#msg = msg;
    this.#ctx = ctx;
    this.data = msg.data;
    this.attempt = deliveryCount(msg.reply ?? "");
    this.lastAttempt = this.attempt >= ctx.maxDeliver;
    this.workflow = ctx.workflow;
    this.role = ctx.role;
    this.subject = msg.subject;
  }

  get settled(): boolean {
    return this.#settled;
  }

  get lastProgress(): number {
    return this.#lastProgress;
  }

  #settle(op: string): void {
    if (this.#settled) throw new Error(`delivery for ${this.workflow}/${this.role} was already settled (${op})`);
    this.#settled = true;
  }

  async ack(): Promise<void> {
    this.#settle("ack");
    if (this.#ctx.confirmAcks) await this.#confirm(ACK, true);
    else {
      try {
        this.#msg.respond(ACK);
      } catch {
        // Connection closed: the hop is redelivered after the ack wait and its next hop dropped as a duplicate.
      }
    }
    this.#ctx.emit({ type: "acked", workflow: this.workflow, role: this.role });
  }

  async retry(delayMs: number): Promise<void> {
    this.#settle("retry");
    await this.#nak(delayMs);
  }

  async fail(reason: string): Promise<void> {
    this.#settle("fail");
    // Plain +TERM: a reason after it is only understood by servers 2.11+.
    await this.#confirm(TERM, false);
    this.#ctx.emit({ type: "failed", workflow: this.workflow, role: this.role, reason });
  }

  working(): void {
    if (this.#settled) return;
    this.#lastProgress = Date.now();
    try {
      this.#msg.respond(WPI);
    } catch {
      // Connection closed: the server redelivers after the ack wait, which is what a lost process needs.
    }
  }

  async abandon(delayMs: number): Promise<void> {
    this.#settled = true;
    await this.#nak(delayMs);
  }

  /** Hands the message straight back without a confirmation (the consumer is draining and never ran it). */
  release(): void {
    this.#settled = true;
    try {
      this.#msg.respond(NAK);
    } catch {
      // Closed: redelivered after the ack wait.
    }
  }

  async #nak(delayMs: number): Promise<void> {
    const ms = Math.max(0, Math.round(delayMs));
    await this.#confirm(ms > 0 ? `${NAK} ${JSON.stringify({ delay: ms * 1_000_000 })}` : NAK, false);
    this.#ctx.emit({ type: "retried", workflow: this.workflow, role: this.role, delayMs: ms });
  }

  /**
   * Sends an ack-protocol payload as a request, so the server confirms it was applied. While a consumer leader is
   * being elected nobody answers; the payload is resent until the ack wait runs out (a redelivery re-runs the whole
   * hop, an LLM call included). An ack is also resent after a timeout (it is idempotent); a nak or term only when it
   * reached no one. A final failure is logged and swallowed: the hop is then redelivered, and the dedup id of the
   * next hop absorbs the repeat.
   */
  async #confirm(payload: string, idempotent: boolean): Promise<void> {
    const reply = this.#msg.reply ?? "";
    const deadline = Date.now() + this.#ctx.ackWaitMs;
    for (let i = 1; ; i++) {
      try {
        await this.#ctx.nc.request(reply, payload, { timeout: this.#ctx.apiTimeoutMs });
        return;
      } catch (err) {
        const pause = Math.min(2_000, 100 * 2 ** (i - 1));
        const resend = noResponders(err) || (idempotent && err instanceof errors.TimeoutError);
        if (!resend || Date.now() + pause >= deadline) {
          this.#ctx.log.warn("bus: ack not confirmed, the hop may be redelivered", {
            workflow: this.workflow,
            role: this.role,
            op: payload.split(" ")[0],
            error: err instanceof Error ? err.message : String(err),
          });
          return;
        }
        await sleep(pause);
      }
    }
  }
}
