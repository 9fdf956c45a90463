// The simulated LLM's timing model: continuous batching (or fixed latency) in simulated time, driven by one timer.
//
// Continuous batching: at most `max_num_seqs` sequences run; the rest wait in FIFO order. Time advances in decode
// steps of `decode_step_ms + decode_ms_per_seq * running` (plus `prefill_ms_per_token` for the prompt tokens of
// the sequences admitted at that step); each step gives every running sequence one token. Admission and
// completion happen only at step boundaries.
//
// Cost: the state only changes at *events* (a completion, an admission, an abort taking effect), and between two
// events every step lasts the same, so the model jumps from event to event analytically ("a stretch": the first
// step, then equal steps). A sequence's end is a global step number, kept in a min-heap. One timer waits for the
// next event; nothing runs per step or per token.
import { Fifo } from "./fifo.ts";
import { MinHeap, type HeapItem } from "./heap.ts";
import type { SimOptions } from "./options.ts";

export type TimingOptions = Pick<
  SimOptions,
  "max_num_seqs" | "prefill_ms_per_token" | "decode_step_ms" | "decode_ms_per_seq" | "time_scale" | "fixed_latency_ms"
>;

export type SeqState = "waiting" | "running" | "done" | "aborted";

/** One request as the scheduler sees it. Times are simulated ms since the scheduler started. */
export type Seq = HeapItem & {
  readonly promptTokens: number;
  /** Prompt tokens that pay prefill: the prompt minus what the prefix cache already holds. */
  readonly prefillTokens: number;
  readonly outputTokens: number;
  state: SeqState;
  arrivedAt: number;
  admittedAt: number;
  firstTokenAt: number;
  finishedAt: number;
  /** Global step number at admission (batching). */
  startStep: number;
  /** Called once when the sequence leaves: completed (`state` "done") or aborted (also by `close()`). */
  readonly onEnd: (seq: Seq) => void;
};

/** A sequence to submit: `outputTokens` must be at least 1; `prefillTokens` defaults to the whole prompt. */
export function newSeq(promptTokens: number, outputTokens: number, onEnd: (seq: Seq) => void, prefillTokens = promptTokens): Seq {
  return {
    promptTokens,
    prefillTokens: Math.max(0, Math.min(promptTokens, prefillTokens)),
    outputTokens: Math.max(1, outputTokens),
    state: "waiting",
    arrivedAt: NaN,
    admittedAt: NaN,
    firstTokenAt: NaN,
    finishedAt: NaN,
    startStep: 0,
    heapKey: 0,
    heapIndex: -1,
    onEnd,
  };
}

/** A step never lasts less than this (simulated ms), so all-zero costs cannot stall the loop. */
const MIN_STEP_MS = 1e-6;

/** Real time and timers; tests pass a manual clock to drive the model exactly. */
export type SchedulerClock = {
  /** Real milliseconds (any origin). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** The runtime's clock: performance.now() and setTimeout. */
export const realClock: SchedulerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type Occupancy = {
  /** Time-weighted mean of running / max_num_seqs from the first admission to the last completion (0..1). */
  slot_utilization: number;
  /** Simulated ms from the first admission to the last completion (or now, while sequences run). */
  window_ms: number;
};

export class BatchScheduler {
  readonly #max: number;
  readonly #scale: number;
  readonly #fixed: number | null;
  readonly #o: TimingOptions;
  readonly #clock: SchedulerClock;
  readonly #t0: number;
  /** Simulated time already processed: `now()` never goes back before it. */
  #floor = 0;
  #closed = false;

  /** Running sequences by end step (batching) or by end time in admission order (fixed latency). */
  readonly #heap = new MinHeap<Seq>();
  readonly #lane = new Fifo<Seq>();
  readonly #waiting = new Fifo<Seq>();
  #running = 0;
  #waitingLive = 0;
  #peakRunning = 0;
  #peakWaiting = 0;

  // The current stretch (batching): steps completed at its start, its start time, first and further step lengths.
  #step = 0;
  #stretchAt = 0;
  #firstDur = 0;
  #dur = 0;
  /** Prompt tokens admitted at the stretch start (arrivals at that same instant join its first step). */
  #stretchPrefill = 0;
  /** Sequences admitted at the stretch start: their first token comes at its first boundary. */
  #fresh: Seq[] = [];
  /** An abort changed the batch: the boundary ending the step in progress (k of this stretch) recomputes it. */
  #dirtyK = Infinity;

  // Occupancy integral for slot utilisation.
  #firstAdmit = NaN;
  #lastEnd = NaN;
  #occ = 0;
  #occAt = 0;

  #timer: unknown;
  #timerAt = Infinity;

  constructor(opts: TimingOptions, clock: SchedulerClock = realClock) {
    this.#o = opts;
    this.#clock = clock;
    this.#t0 = clock.now();
    this.#max = opts.max_num_seqs;
    this.#scale = opts.time_scale;
    this.#fixed = opts.fixed_latency_ms;
  }

  /** Simulated ms since the scheduler started. */
  now(): number {
    const t = (this.#clock.now() - this.#t0) * this.#scale;
    return t > this.#floor ? t : this.#floor;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waitingLive;
  }

  get peakRunning(): number {
    return this.#peakRunning;
  }

  get peakWaiting(): number {
    return this.#peakWaiting;
  }

  /** Queues `seq` at the current simulated time; it runs as soon as a slot is free at a step boundary. */
  submit(seq: Seq): void {
    if (this.#closed) throw new Error("scheduler is closed");
    const t = this.now();
    this.#advance(t);
    seq.arrivedAt = t;
    seq.state = "waiting";
    this.#waiting.push(seq);
    this.#waitingLive++;
    if (this.#fixed !== null) this.#admitFixed(t);
    // Idle (and no aborted step still finishing), or arriving at the very instant a step starts: it joins now.
    else if (this.#running === 0 ? this.#dirtyK === Infinity : t === this.#stretchAt) this.#boundary(t, 0);
    if (this.#waitingLive > this.#peakWaiting) this.#peakWaiting = this.#waitingLive;
    this.#arm();
  }

  /** Takes `seq` out of the queue or the batch (a no-op once it completed). */
  abort(seq: Seq): void {
    if (seq.state === "waiting") {
      seq.state = "aborted";
      this.#waitingLive--;
      seq.onEnd(seq);
      return;
    }
    if (seq.state !== "running" || this.#closed) return;
    const t = this.now();
    this.#advance(t);
    if (seq.state !== "running") return;
    this.#mark(t);
    seq.state = "aborted";
    seq.finishedAt = t;
    this.#running--;
    this.#lastEnd = t;
    if (this.#fixed !== null) {
      this.#admitFixed(t);
    } else {
      this.#heap.remove(seq);
      // The step in progress keeps its length; the batch is recomputed at its end (vLLM frees a slot per step).
      this.#dirtyK = Math.min(this.#dirtyK, this.#stepsIn(t) + 1);
    }
    seq.onEnd(seq);
    this.#arm();
  }

  /** Tokens `seq` has produced so far (for streaming). */
  produced(seq: Seq): number {
    if (seq.state === "running") {
      const t = this.now();
      this.#advance(t);
      this.#arm();
      if (seq.state === "running") {
        if (this.#fixed !== null) {
          const frac = this.#fixed > 0 ? (t - seq.admittedAt) / this.#fixed : 1;
          return Math.min(seq.outputTokens, Math.floor(seq.outputTokens * frac));
        }
        const steps = this.#step + this.#stepsIn(t) - seq.startStep;
        return Math.max(0, Math.min(seq.outputTokens, steps));
      }
    }
    return seq.state === "done" ? seq.outputTokens : 0;
  }

  /** Slot utilisation and its window, up to now. */
  occupancy(): Occupancy {
    const t = this.now();
    this.#advance(t);
    this.#arm();
    if (Number.isNaN(this.#firstAdmit)) return { slot_utilization: 0, window_ms: 0 };
    const end = this.#running > 0 ? t : this.#lastEnd;
    const occ = this.#occ + (this.#running > 0 ? this.#running * (t - this.#occAt) : 0);
    const window = Math.max(0, end - this.#firstAdmit);
    const util = window > 0 ? occ / (this.#max * window) : 0;
    return { slot_utilization: Math.min(1, Math.max(0, util)), window_ms: window };
  }

  /** Stops the timer; returns the sequences still waiting or running (now marked aborted). */
  close(): Seq[] {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const left = [...this.#heap.drain(), ...this.#lane.drain(), ...this.#waiting.drain()].filter(
      (s) => s.state === "running" || s.state === "waiting",
    );
    this.#running = 0;
    this.#waitingLive = 0;
    for (const s of left) {
      s.state = "aborted";
      s.onEnd(s);
    }
    return left;
  }

  // ---- event loop ----

  /** Processes every event up to simulated time `t`, in order. */
  #advance(t: number): void {
    if (this.#fixed !== null) {
      for (;;) {
        const head = this.#lane.peek();
        if (head === undefined) break;
        if (head.state !== "running") {
          this.#lane.shift();
          continue;
        }
        if (head.heapKey > t) break;
        this.#lane.shift();
        this.#finish(head, head.heapKey);
        this.#admitFixed(head.heapKey);
      }
    } else {
      while (this.#running > 0 || this.#dirtyK !== Infinity) {
        const k = this.#nextK();
        if (k === Infinity) break;
        const te = this.#boundaryTime(k);
        if (te > t) break;
        this.#boundary(te, k);
      }
    }
    if (t > this.#floor) this.#floor = t;
  }

  /** Simulated time of the next event, or undefined when nothing is pending. */
  #nextTime(): number | undefined {
    if (this.#fixed !== null) {
      let head = this.#lane.peek();
      while (head !== undefined && head.state !== "running") {
        this.#lane.shift();
        head = this.#lane.peek();
      }
      return head?.heapKey;
    }
    if (this.#running === 0 && this.#dirtyK === Infinity) return undefined;
    const k = this.#nextK();
    return k === Infinity ? undefined : this.#boundaryTime(k);
  }

  /** Steps from the stretch start to the next boundary where something happens. */
  #nextK(): number {
    let k = this.#dirtyK;
    const top = this.#heap.peek();
    if (top !== undefined) k = Math.min(k, Math.max(1, top.heapKey - this.#step));
    if (this.#running < this.#max) {
      const w = this.#waitingHead();
      if (w !== undefined) {
        // Not before the time already processed: after an abort, the head may have waited since long before.
        const x = Math.max(w.arrivedAt, this.#floor) - this.#stretchAt - this.#firstDur;
        k = Math.min(k, x <= 0 ? 1 : 1 + Math.ceil(x / this.#dur));
      }
    }
    return k;
  }

  #boundaryTime(k: number): number {
    return this.#stretchAt + this.#firstDur + (k - 1) * this.#dur;
  }

  /** Whole steps completed in the current stretch by time `t`. */
  #stepsIn(t: number): number {
    const x = t - this.#stretchAt - this.#firstDur;
    return x < 0 ? 0 : 1 + Math.floor(x / this.#dur);
  }

  /** The step boundary `k` steps into the stretch, at time `te`: completions, admissions, a new stretch. */
  #boundary(te: number, k: number): void {
    // Joining the step that starts now keeps the prefill of those admitted with it.
    const rejoin = k === 0 && te === this.#stretchAt && this.#running > 0;
    if (k > 0) {
      const firstAt = this.#stretchAt + this.#firstDur;
      for (const s of this.#fresh) s.firstTokenAt = firstAt;
    }
    if (!rejoin) this.#fresh = [];
    this.#step += k;
    for (let top = this.#heap.peek(); top !== undefined && top.heapKey <= this.#step; top = this.#heap.peek()) {
      this.#heap.pop();
      this.#finish(top, te);
    }
    let prefill = rejoin ? this.#stretchPrefill : 0;
    while (this.#running < this.#max) {
      const w = this.#takeWaiting(te);
      if (w === undefined) break;
      this.#start(w, te);
      w.heapKey = this.#step + w.outputTokens;
      this.#heap.push(w);
      prefill += w.prefillTokens;
      this.#fresh.push(w);
    }
    this.#dirtyK = Infinity;
    if (this.#running === 0) return;
    const o = this.#o;
    this.#stretchAt = te;
    this.#stretchPrefill = prefill;
    this.#dur = Math.max(MIN_STEP_MS, o.decode_step_ms + o.decode_ms_per_seq * this.#running);
    this.#firstDur = this.#dur + o.prefill_ms_per_token * prefill;
    // Until its first boundary passes, a fresh sequence's first token is expected there.
    for (const s of this.#fresh) s.firstTokenAt = te + this.#firstDur;
  }

  #admitFixed(t: number): void {
    const latency = this.#fixed ?? 0;
    while (this.#running < this.#max) {
      const w = this.#takeWaiting(t);
      if (w === undefined) break;
      this.#start(w, t);
      w.heapKey = t + latency;
      w.firstTokenAt = t + latency / w.outputTokens;
      this.#lane.push(w);
    }
  }

  #waitingHead(): Seq | undefined {
    let w = this.#waiting.peek();
    while (w !== undefined && w.state !== "waiting") {
      this.#waiting.shift();
      w = this.#waiting.peek();
    }
    return w;
  }

  #takeWaiting(t: number): Seq | undefined {
    const w = this.#waitingHead();
    if (w === undefined || w.arrivedAt > t) return undefined;
    this.#waiting.shift();
    this.#waitingLive--;
    return w;
  }

  #start(seq: Seq, t: number): void {
    this.#mark(t);
    seq.state = "running";
    seq.admittedAt = t;
    seq.startStep = this.#step;
    this.#running++;
    if (this.#running > this.#peakRunning) this.#peakRunning = this.#running;
    if (Number.isNaN(this.#firstAdmit)) {
      this.#firstAdmit = t;
      this.#occAt = t;
    }
  }

  #finish(seq: Seq, t: number): void {
    this.#mark(t);
    seq.state = "done";
    seq.finishedAt = t;
    this.#running--;
    this.#lastEnd = t;
    seq.onEnd(seq);
  }

  /** Adds running × elapsed to the occupancy integral; called before the running count changes. */
  #mark(t: number): void {
    if (t > this.#occAt) {
      this.#occ += this.#running * (t - this.#occAt);
      this.#occAt = t;
    }
  }

  // ---- the one timer ----

  #arm(): void {
    if (this.#closed) return;
    const te = this.#nextTime();
    if (te === undefined) {
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt <= te) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = te;
    const realMs = (te - this.now()) / this.#scale;
    this.#timer = this.#clock.setTimeout(this.#onTimer, Math.max(0, Math.ceil(realMs)));
  }

  readonly #onTimer = (): void => {
    const due = this.#timerAt;
    this.#timer = undefined;
    this.#timerAt = Infinity;
    // Timers may fire a fraction of a millisecond early against performance.now(): the event is due anyway.
    this.#advance(Math.max(this.now(), due));
    this.#arm();
  };
}
