// Row-level admission: at most `max` tasks in flight; a finished task immediately admits the next.

export class AdmissionGate {
  #inFlight = 0;
  readonly #waiters: (() => void)[] = [];
  #closed = false;

  readonly max: number;

  constructor(max: number) {
    this.max = max;
    if (max < 1) throw new Error("max_concurrent_tasks must be >= 1");
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Takes a slot if one is free now (no waiting, no promise). */
  tryAcquire(): boolean {
    if (this.#closed || this.#inFlight >= this.max) return false;
    this.#inFlight++;
    return true;
  }

  /** Resolves true once a slot is held, or false if the gate was closed while waiting. */
  acquire(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#inFlight < this.max) {
      this.#inFlight++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      this.#waiters.push(() => {
        if (this.#closed) return resolve(false);
        this.#inFlight++;
        resolve(true);
      });
    });
  }

  release(): void {
    if (this.#inFlight <= 0) throw new Error("admission release without acquire");
    this.#inFlight--;
    this.#waiters.shift()?.();
  }

  /** Wakes every waiter with false; no more admissions. */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w();
  }
}
