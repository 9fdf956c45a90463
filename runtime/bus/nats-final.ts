// The final say on a hop JetStream stopped redelivering: its max-deliveries advisory becomes one last delivery.
//
// After `max_deliver` unsettled deliveries a work-queue message stays in the stream but is never delivered again.
// When the process running the last attempt died (or the handler gave it back), nobody wrote the task's error row.
// The server then publishes a max-deliveries advisory; one process of the role (queue group) turns it into a
// `FinalDelivery` (attempt = deliveries + 1, `lastAttempt`), and settling it removes the message from the stream.
import type { Msg } from "@nats-io/nats-core";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { DeliveryContext, TrackedDelivery } from "./nats-delivery.ts";

/** Subject of the server's max-deliveries advisories for one consumer. */
export function maxDeliveriesSubject(stream: string, durable: string): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`;
}

type Advisory = { stream_seq?: unknown; deliveries?: unknown };

/** One last delivery of a hop that exceeded `max_deliver`; settling it deletes the message from the stream. */
export class FinalDelivery implements TrackedDelivery {
  readonly data: Uint8Array;
  readonly attempt: number;
  readonly lastAttempt = true;
  readonly workflow: string;
  readonly role: string;
  readonly lastProgress = Number.POSITIVE_INFINITY;
  readonly seq: number;
  readonly subject: string;
  #settled = false;
  readonly #ctx: DeliveryContext;
  readonly #remove: (seq: number) => Promise<void>;

  constructor(seq: number, data: Uint8Array, deliveries: number, ctx: DeliveryContext, remove: (seq: number) => Promise<void>, subject: string) {
    this.seq = seq;
    this.subject = subject;
    this.data = data;
    this.attempt = deliveries + 1;
    this.workflow = ctx.workflow;
    this.role = ctx.role;
    this.#ctx = ctx;
    this.#remove = remove;
  }

  get settled(): boolean {
    return this.#settled;
  }

  #settle(op: string): void {
    if (this.#settled) throw new Error(`delivery for ${this.workflow}/${this.role} was already settled (${op})`);
    this.#settled = true;
  }

  async ack(): Promise<void> {
    this.#settle("ack");
    await this.#remove(this.seq);
    this.#ctx.emit({ type: "acked", workflow: this.workflow, role: this.role });
  }

  async fail(reason: string): Promise<void> {
    this.#settle("fail");
    await this.#remove(this.seq);
    this.#ctx.emit({ type: "failed", workflow: this.workflow, role: this.role, reason });
  }

  /** No redelivery exists past the final one: the hop is left in the stream (for an operator) and reported. */
  async retry(_delayMs: number): Promise<void> {
    this.#settle("retry");
    this.#leave();
  }

  working(): void {
    // No ack wait runs on a message read by sequence.
  }

  async abandon(_delayMs: number): Promise<void> {
    this.#settled = true;
    this.#leave();
  }

  #leave(): void {
    const reason = `max_deliver: hop left unsettled after its final delivery (stream sequence ${this.seq})`;
    this.#ctx.log.warn("bus: hop exceeded max deliveries and was not settled", { workflow: this.workflow, role: this.role, seq: this.seq });
    this.#ctx.emit({ type: "failed", workflow: this.workflow, role: this.role, reason });
  }
}

/** Reads the hop named by an advisory; undefined when it is gone already (acked late, or removed by another process). */
export async function loadFinalDelivery(
  jsm: JetStreamManager,
  stream: string,
  advisory: Msg,
  ctx: DeliveryContext,
): Promise<FinalDelivery | undefined> {
  const a = advisory.json<Advisory>();
  const seq = Number(a.stream_seq);
  const deliveries = Number(a.deliveries);
  if (!Number.isInteger(seq) || seq < 1 || !Number.isInteger(deliveries)) return undefined;
  const stored = await jsm.streams.getMessage(stream, { seq });
  if (!stored) return undefined;
  const remove = async (s: number) => {
    try {
      await jsm.streams.deleteMessage(stream, s, false);
    } catch (err) {
      ctx.log.warn("bus: could not remove a hop after its final delivery", { stream, seq: s, error: String(err) });
    }
  };
  return new FinalDelivery(seq, stored.data, deliveries, ctx, remove, stored.subject);
}
