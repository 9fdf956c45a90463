// A manual clock for the simulated LLM's timing model: time moves only when a test says so.
import type { SchedulerClock } from "../services/sim/scheduler.ts";

export class ManualClock implements SchedulerClock {
  t = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 0;

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves to `t`, firing due timers in time order (each sees the clock at its own due time). */
  advanceTo(t: number): void {
    for (;;) {
      let best: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.#timers) if (e[1].at <= t && (best === undefined || e[1].at < best[1].at)) best = e;
      if (best === undefined) break;
      this.#timers.delete(best[0]);
      this.t = Math.max(this.t, best[1].at);
      best[1].fn();
    }
    this.t = Math.max(this.t, t);
  }

  /** Fires timers until none is left (at most `limit` firings). */
  runAll(limit = 1_000_000): void {
    for (let i = 0; i < limit && this.#timers.size > 0; i++) {
      const at = Math.min(...[...this.#timers.values()].map((x) => x.at));
      this.advanceTo(at);
    }
  }
}
