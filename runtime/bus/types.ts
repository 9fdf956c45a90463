// The bus contract: encoded hops to (workflow, role) queues, consumed with bounded concurrency.

/** One delivered hop. Exactly one of ack / retry / fail must be called. */
export interface Delivery {
  readonly data: Uint8Array;
  /** 1 on first delivery, incremented on every redelivery. */
  readonly attempt: number;
  /**
   * True when the bus will not deliver this hop again if it is not settled now (NATS: `attempt >= maxDeliver`):
   * the host should end the task with an error row instead of retrying. Absent on buses without a delivery cap.
   */
  readonly lastAttempt?: boolean;
  readonly workflow: string;
  readonly role: string;
  /** Where the hop came from on the wire (NATS: the stream subject), for logs. Absent on the memory bus. */
  readonly subject?: string;
  /**
   * True when the bytes were encoded by this very process (the embedded bus), so decoding them needs no
   * validation against the schema. Absent (untrusted) on any bus with a wire.
   */
  readonly trusted?: boolean;
  /** Done: the next hop (if any) has been published. */
  ack(): Promise<void>;
  /** Redeliver after `delayMs` (retryable error). */
  retry(delayMs: number): Promise<void>;
  /** Give up on this hop for good (the caller has already published an error row). */
  fail(reason: string): Promise<void>;
  /** Tells the bus the handler is still working (extends the ack deadline on NATS). */
  working(): void;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export type ConsumeOptions = {
  /** Maximum handler calls running at once for this consumer. */
  concurrency: number;
  handler: DeliveryHandler;
};

/** A running consumer of one (workflow, role). */
export interface Consumer {
  /** Stop taking new deliveries and wait for the in-flight ones to finish. */
  drain(): Promise<void>;
  /** Resolves when the consumer has stopped. */
  readonly closed: Promise<void>;
  /** Handler calls in flight now. */
  readonly inFlight: number;
}

export type PublishOptions = {
  /** Dedup id (`run/task/hop`): a second publish with the same id is dropped. */
  id?: string;
};

export type BusEvent =
  | { type: "published"; workflow: string; role: string }
  | { type: "acked"; workflow: string; role: string }
  | { type: "retried"; workflow: string; role: string; delayMs: number }
  | { type: "failed"; workflow: string; role: string; reason: string }
  | { type: "duplicate"; workflow: string; role: string; id: string };

export type BusListener = (event: BusEvent) => void;

export interface Bus {
  readonly kind: string;
  publish(workflow: string, role: string, data: Uint8Array, opts?: PublishOptions): Promise<void>;
  consume(workflow: string, role: string, opts: ConsumeOptions): Consumer;
  /** Messages waiting (not in flight) for a role. */
  depth(workflow: string, role: string): Promise<number>;
  /** Progress events; returns an unsubscribe function. */
  on(listener: BusListener): () => void;
  close(): Promise<void>;
}
