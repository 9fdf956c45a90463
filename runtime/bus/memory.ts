// The embedded bus: in-process FIFO queues of encoded bytes with the same contract as the NATS bus.
import type { Bus, BusEvent, BusListener, ConsumeOptions, Consumer, Delivery, PublishOptions } from "./types.ts";

type Item = { data: Uint8Array; attempt: number };

/** A FIFO with O(1) push and shift. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(x: T): void {
    this.#items.push(x);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const x = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return x;
  }
}

/** One delivered message; methods on the prototype, so a delivery costs one small object. */
class MemoryDelivery implements Delivery {
  settled = false;
  readonly trusted = true;
  readonly #bus: MemoryBus;
  readonly #q: Queue;
  readonly #item: Item;
  constructor(bus: MemoryBus, q: Queue, item: Item) {
    this.#bus = bus;
    this.#q = q;
    this.#item = item;
  }
  get data(): Uint8Array {
    return this.#item.data;
  }
  get attempt(): number {
    return this.#item.attempt;
  }
  get workflow(): string {
    return this.#q.workflow;
  }
  get role(): string {
    return this.#q.role;
  }
  #settle(): void {
    if (this.settled) throw new Error(`delivery for ${this.#q.workflow}/${this.#q.role} was already settled`);
    this.settled = true;
  }
  async ack(): Promise<void> {
    this.#settle();
    if (this.#bus.listening) this.#bus.emit({ type: "acked", workflow: this.#q.workflow, role: this.#q.role });
  }
  async retry(delayMs: number): Promise<void> {
    this.#settle();
    this.#bus.redeliver(this.#q, this.#item, delayMs);
    if (this.#bus.listening) this.#bus.emit({ type: "retried", workflow: this.#q.workflow, role: this.#q.role, delayMs });
  }
  async fail(reason: string): Promise<void> {
    this.#settle();
    if (this.#bus.listening) this.#bus.emit({ type: "failed", workflow: this.#q.workflow, role: this.#q.role, reason });
  }
  working(): void {}
}

class MemoryConsumer implements Consumer {
  inFlight = 0;
  draining = false;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  #idle: (() => void) | undefined;

  readonly queue: Queue;
  readonly opts: ConsumeOptions;

  constructor(queue: Queue, opts: ConsumeOptions) {
    this.queue = queue;
    this.opts = opts;
    this.closed = new Promise((r) => (this.#resolveClosed = r));
  }

  get free(): boolean {
    return !this.draining && this.inFlight < this.opts.concurrency;
  }

  settled(): void {
    this.inFlight--;
    if (this.draining && this.inFlight === 0) this.#idle?.();
  }

  async drain(): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.queue.consumers = this.queue.consumers.filter((c) => c !== this);
      if (this.inFlight > 0) await new Promise<void>((r) => (this.#idle = r));
      this.#resolveClosed();
    }
    return this.closed;
  }
}

class Queue {
  readonly items = new Fifo<Item>();
  consumers: MemoryConsumer[] = [];
  #rr = 0;
  readonly workflow: string;
  readonly role: string;
  constructor(workflow: string, role: string) {
    this.workflow = workflow;
    this.role = role;
  }

  nextFreeConsumer(): MemoryConsumer | undefined {
    const n = this.consumers.length;
    for (let i = 0; i < n; i++) {
      const c = this.consumers[(this.#rr + i) % n]!;
      if (c.free) {
        this.#rr = (this.#rr + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }
}

export type MemoryBusOptions = {
  /** How long a dedup id is remembered at least (ms; at most twice as long). */
  dedupWindowMs?: number;
  /** Redelivery delay when a handler returns without ack/retry/fail (ms). */
  unsettledRetryMs?: number;
};

/** In-memory bus. Carries encoded bytes, so the embedded path serialises exactly like NATS. */
export class MemoryBus implements Bus {
  readonly kind = "memory";
  readonly #queues = new Map<string, Queue>();
  readonly #listeners = new Set<BusListener>();
  #dedup = new Set<string>();
  #dedupOld = new Set<string>();
  #dedupRotatedAt = Date.now();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #dedupWindowMs: number;
  readonly #unsettledRetryMs: number;
  #closed = false;

  constructor(opts: MemoryBusOptions = {}) {
    // In one process a duplicate can only come from a hop published twice in quick succession: a short window
    // keeps the id map small at tens of thousands of hops per second.
    this.#dedupWindowMs = opts.dedupWindowMs ?? 10_000;
    this.#unsettledRetryMs = opts.unsettledRetryMs ?? 1_000;
  }

  #queue(workflow: string, role: string): Queue {
    const key = `${workflow}\u0000${role}`;
    let q = this.#queues.get(key);
    if (!q) {
      q = new Queue(workflow, role);
      this.#queues.set(key, q);
    }
    return q;
  }

  /** @internal Sends a progress event to the listeners (nothing is built when there are none). */
  emit(event: BusEvent): void {
    for (const l of this.#listeners) l(event);
  }

  /** @internal */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  #isDuplicate(id: string): boolean {
    // Two generations of ids, rotated every window: an id is remembered for one to two windows, with O(1)
    // upkeep and no timestamps (a map of every id with its time showed up in profiles at 40k hops/s).
    const now = Date.now();
    if (now - this.#dedupRotatedAt >= this.#dedupWindowMs) {
      this.#dedupOld = this.#dedup;
      this.#dedup = new Set();
      this.#dedupRotatedAt = now;
    }
    if (this.#dedup.has(id) || this.#dedupOld.has(id)) return true;
    this.#dedup.add(id);
    return false;
  }

  async publish(workflow: string, role: string, data: Uint8Array, opts: PublishOptions = {}): Promise<void> {
    if (this.#closed) throw new Error("bus is closed");
    if (opts.id !== undefined && this.#isDuplicate(opts.id)) {
      this.emit({ type: "duplicate", workflow, role, id: opts.id });
      return;
    }
    const q = this.#queue(workflow, role);
    q.items.push({ data, attempt: 1 });
    if (this.#listeners.size > 0) this.emit({ type: "published", workflow, role });
    this.#pump(q);
  }

  consume(workflow: string, role: string, opts: ConsumeOptions): Consumer {
    if (opts.concurrency < 1) throw new Error("concurrency must be >= 1");
    const q = this.#queue(workflow, role);
    const c = new MemoryConsumer(q, opts);
    q.consumers.push(c);
    queueMicrotask(() => this.#pump(q));
    return c;
  }

  async depth(workflow: string, role: string): Promise<number> {
    return this.#queue(workflow, role).items.length;
  }

  on(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #pump(q: Queue): void {
    while (q.items.length > 0) {
      const c = q.nextFreeConsumer();
      if (!c) return;
      const item = q.items.shift()!;
      c.inFlight++;
      void this.#deliver(q, c, item);
    }
  }

  async #deliver(q: Queue, c: MemoryConsumer, item: Item): Promise<void> {
    const delivery = new MemoryDelivery(this, q, item);
    try {
      await c.opts.handler(delivery);
    } catch {
      // A handler that throws has not settled: redeliver, as NATS would after the ack wait.
    }
    if (!delivery.settled) {
      delivery.settled = true;
      this.redeliver(q, item, this.#unsettledRetryMs);
      this.emit({ type: "retried", workflow: q.workflow, role: q.role, delayMs: this.#unsettledRetryMs });
    }
    c.settled();
    this.#pump(q);
  }

  /** @internal Puts a message back on its queue after `delayMs`. */
  redeliver(q: Queue, item: Item, delayMs: number): void {
    const again = { data: item.data, attempt: item.attempt + 1 };
    if (delayMs <= 0) {
      q.items.push(again);
      queueMicrotask(() => this.#pump(q));
      return;
    }
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (this.#closed) return;
      q.items.push(again);
      this.#pump(q);
    }, delayMs);
    this.#timers.add(t);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const q of this.#queues.values()) await Promise.all(q.consumers.map((c) => c.drain()));
  }
}
