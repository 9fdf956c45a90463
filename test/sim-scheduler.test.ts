// Tests of the simulated LLM's timing model (continuous batching and fixed latency) on a manual clock.
import { describe, expect, it } from "vitest";
import { compileSimOptions } from "../services/sim/options.ts";
import { seededRandom } from "../services/sim/rng.ts";
import { BatchScheduler, newSeq, type Seq, type TimingOptions } from "../services/sim/scheduler.ts";
import { ManualClock } from "./sim-clock.ts";

type Job = { at: number; prompt: number; out: number; abortAt?: number };

function timing(over: Partial<TimingOptions>): TimingOptions {
  return { ...compileSimOptions({ time_scale: 1 }), ...over };
}

/**
 * Step-by-step reference: every step admits what has arrived (FIFO, up to max), then gives each running one
 * token. A sequence aborted during a step stops producing at once and leaves the batch when that step ends.
 * Returns finish times (NaN for aborted sequences).
 */
function reference(jobs: Job[], o: TimingOptions): number[] {
  const finish = new Array<number>(jobs.length).fill(NaN);
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[a]!.at - jobs[b]!.at || a - b);
  const abortAt = (i: number) => jobs[i]!.abortAt ?? Infinity;
  let next = 0;
  let t = 0;
  let running: { i: number; left: number }[] = [];
  const waiting: number[] = [];
  for (;;) {
    while (next < order.length && jobs[order[next]!]!.at <= t) waiting.push(order[next++]!);
    // Sequences aborted while waiting never run.
    for (let w = waiting.length - 1; w >= 0; w--) if (abortAt(waiting[w]!) <= t) waiting.splice(w, 1);
    if (running.length === 0 && waiting.length === 0) {
      if (next >= order.length) break;
      t = jobs[order[next]!]!.at;
      continue;
    }
    let prefill = 0;
    while (running.length < o.max_num_seqs && waiting.length > 0) {
      const i = waiting.shift()!;
      running.push({ i, left: jobs[i]!.out });
      prefill += jobs[i]!.prompt;
    }
    t += o.decode_step_ms + o.decode_ms_per_seq * running.length + o.prefill_ms_per_token * prefill;
    for (const r of running) {
      if (abortAt(r.i) < t) r.left = -1;
      else if (--r.left === 0) finish[r.i] = t;
    }
    running = running.filter((x) => x.left > 0);
  }
  return finish;
}

/** Runs `jobs` through the scheduler on a manual clock (with their aborts); returns the sequences at the end. */
function simulate(jobs: Job[], o: TimingOptions, watch?: (s: BatchScheduler) => void): { seqs: Seq[]; sched: BatchScheduler; clock: ManualClock } {
  const clock = new ManualClock();
  const sched = new BatchScheduler(o, clock);
  type Ev = { at: number; i: number; abort: boolean };
  const events: Ev[] = jobs.flatMap((j, i) => [{ at: j.at, i, abort: false }, ...(j.abortAt === undefined ? [] : [{ at: j.abortAt, i, abort: true }])]);
  events.sort((a, b) => a.at - b.at || a.i - b.i);
  const seqs: Seq[] = new Array(jobs.length);
  for (const ev of events) {
    clock.advanceTo(ev.at / o.time_scale);
    watch?.(sched);
    if (ev.abort) {
      sched.abort(seqs[ev.i]!);
    } else {
      seqs[ev.i] = newSeq(jobs[ev.i]!.prompt, jobs[ev.i]!.out, () => watch?.(sched));
      sched.submit(seqs[ev.i]!);
    }
    watch?.(sched);
  }
  clock.runAll();
  return { seqs, sched, clock };
}

describe("sim timing", () => {
  it("sim timing - continuous batching matches a step-by-step reference", () => {
    const rng = seededRandom(11);
    for (const max of [1, 3, 8]) {
      const o = timing({ max_num_seqs: max, decode_step_ms: 10, decode_ms_per_seq: 1, prefill_ms_per_token: 0.5, time_scale: 1 });
      const jobs: Job[] = Array.from({ length: 40 }, () => ({
        at: Math.floor(rng() * 4000) + 0.3,
        prompt: 1 + Math.floor(rng() * 20),
        out: 1 + Math.floor(rng() * 30),
      }));
      const expected = reference(jobs, o);
      const { seqs, sched } = simulate(jobs, o);
      for (let i = 0; i < jobs.length; i++) {
        expect(seqs[i]!.state).toBe("done");
        expect(seqs[i]!.finishedAt).toBeCloseTo(expected[i]!, 6);
      }
      expect(sched.running).toBe(0);
      expect(sched.waiting).toBe(0);
    }
  });

  it("sim timing - aborts match the reference: out at the end of the step in progress", () => {
    const rng = seededRandom(23);
    const kinds = new Set<string>();
    for (const max of [1, 2, 5]) {
      const o = timing({ max_num_seqs: max, decode_step_ms: 10, decode_ms_per_seq: 1, prefill_ms_per_token: 0.5, time_scale: 1 });
      const jobs: Job[] = Array.from({ length: 80 }, () => {
        const at = Math.floor(rng() * 12_000) + 0.3;
        const job: Job = { at, prompt: 1 + Math.floor(rng() * 20), out: 1 + Math.floor(rng() * 40) };
        if (rng() < 0.3) job.abortAt = at + Math.floor(rng() * 600) + 0.7;
        return job;
      });
      const expected = reference(jobs, o);
      let maxRunning = 0;
      const { seqs, sched } = simulate(jobs, o, (s) => (maxRunning = Math.max(maxRunning, s.running)));
      for (let i = 0; i < jobs.length; i++) {
        if (Number.isNaN(expected[i]!)) {
          expect(seqs[i]!.state).toBe("aborted");
        } else {
          expect(seqs[i]!.state).toBe("done");
          expect(seqs[i]!.finishedAt).toBeCloseTo(expected[i]!, 6);
        }
      }
      expect(maxRunning).toBeLessThanOrEqual(max);
      expect(sched.running + sched.waiting).toBe(0);
      for (const s of seqs) if (s.state === "aborted") kinds.add(Number.isNaN(s.admittedAt) ? "queue" : "batch");
    }
    // Both kinds of abort happened: in the queue and in the batch.
    expect([...kinds].sort()).toEqual(["batch", "queue"]);
  });

  it("sim timing - requests arriving together share their first step", () => {
    const o = timing({ max_num_seqs: 4, decode_step_ms: 10, decode_ms_per_seq: 0, prefill_ms_per_token: 1 });
    const jobs = [0, 0, 0].map(() => ({ at: 0, prompt: 5, out: 3 }));
    const { seqs } = simulate(jobs, o);
    // First step: 10 ms + 15 prompt tokens × 1 ms; then two steps of 10 ms.
    for (const s of seqs) {
      expect(s.firstTokenAt).toBe(25);
      expect(s.finishedAt).toBe(45);
    }
  });

  it("sim timing - queues beyond max_num_seqs and never runs more", () => {
    const o = timing({ max_num_seqs: 4, decode_step_ms: 5, decode_ms_per_seq: 0.1, prefill_ms_per_token: 0 });
    const jobs = Array.from({ length: 20 }, (_, i) => ({ at: i * 0.5, prompt: 10, out: 5 + (i % 7) }));
    let maxRunning = 0;
    let sawWaiting = false;
    const { seqs, sched } = simulate(jobs, o, (s) => {
      maxRunning = Math.max(maxRunning, s.running);
      if (s.running === 4 && s.waiting > 0) sawWaiting = true;
    });
    expect(sawWaiting).toBe(true);
    expect(maxRunning).toBeLessThanOrEqual(4);
    expect(sched.peakRunning).toBe(4);
    expect(sched.peakWaiting).toBeGreaterThan(0);
    // FIFO: admissions happen in arrival order.
    const admitted = seqs.map((s) => s.admittedAt);
    expect([...admitted].sort((a, b) => a - b)).toEqual(admitted);
  });

  it("sim timing - fixed latency completes exactly that long after admission", () => {
    const o = timing({ max_num_seqs: 2, fixed_latency_ms: 100 });
    const jobs = [0, 10, 20, 30].map((at) => ({ at, prompt: 50, out: 7 }));
    const { seqs, sched } = simulate(jobs, o);
    expect(seqs.map((s) => s.admittedAt)).toEqual([0, 10, 100, 110]);
    expect(seqs.map((s) => s.finishedAt)).toEqual([100, 110, 200, 210]);
    expect(sched.peakRunning).toBe(2);
  });

  it("sim timing - fixed latency with 20,000 requests in flight takes one timer", () => {
    const o = timing({ max_num_seqs: 20_000, fixed_latency_ms: 1000 });
    const clock = new ManualClock();
    const sched = new BatchScheduler(o, clock);
    let done = 0;
    for (let i = 0; i < 20_000; i++) {
      clock.t = i * 0.05;
      sched.submit(newSeq(10, 10, () => done++));
    }
    expect(sched.running).toBe(20_000);
    expect(clock.pendingTimers).toBe(1);
    clock.runAll();
    expect(done).toBe(20_000);
    // Arrivals ramp up over 1 s and completions ramp down over the next: half the slots on average.
    expect(sched.occupancy().slot_utilization).toBeCloseTo(0.5, 3);
  });

  it("sim timing - time_scale maps simulated to real time", () => {
    const o = timing({ max_num_seqs: 1, fixed_latency_ms: 1000, time_scale: 100 });
    const clock = new ManualClock();
    const sched = new BatchScheduler(o, clock);
    const s = newSeq(1, 1, () => {});
    sched.submit(s);
    clock.advanceTo(9);
    expect(s.state).toBe("running");
    clock.advanceTo(10);
    expect(s.state).toBe("done");
    expect(s.finishedAt).toBe(1000);
  });

  it("sim timing - an aborted sequence leaves the batch and frees its slot", () => {
    const o = timing({ max_num_seqs: 1, decode_step_ms: 10, decode_ms_per_seq: 0, prefill_ms_per_token: 0 });
    const clock = new ManualClock();
    const sched = new BatchScheduler(o, clock);
    const ends: string[] = [];
    const a = newSeq(1, 100, (s) => ends.push(`a:${s.state}`));
    const b = newSeq(1, 2, (s) => ends.push(`b:${s.state}`));
    const c = newSeq(1, 2, (s) => ends.push(`c:${s.state}`));
    sched.submit(a);
    sched.submit(b);
    sched.submit(c);
    expect(sched.running).toBe(1);
    expect(sched.waiting).toBe(2);
    clock.advanceTo(35);
    sched.abort(c); // waiting
    expect(sched.waiting).toBe(1);
    sched.abort(a); // running: the slot frees at the end of the step in progress (40)
    expect(sched.running).toBe(0);
    expect(sched.waiting).toBe(1);
    clock.runAll();
    expect(ends).toEqual(["c:aborted", "a:aborted", "b:done"]);
    expect(b.admittedAt).toBe(40);
    expect(b.finishedAt).toBe(60);
  });

  it("sim timing - an abort late in a stretch keeps the step count right", () => {
    const o = timing({ max_num_seqs: 2, decode_step_ms: 10, decode_ms_per_seq: 0, prefill_ms_per_token: 0 });
    const clock = new ManualClock();
    const sched = new BatchScheduler(o, clock);
    const a = newSeq(1, 100, () => {});
    const b = newSeq(1, 10, () => {});
    sched.submit(a);
    sched.submit(b);
    clock.advanceTo(55);
    expect(sched.produced(b)).toBe(5);
    sched.abort(a);
    clock.runAll();
    expect(b.finishedAt).toBe(100);
  });

  it("sim timing - produced() counts one token per step", () => {
    const o = timing({ max_num_seqs: 2, decode_step_ms: 10, decode_ms_per_seq: 0, prefill_ms_per_token: 0 });
    const clock = new ManualClock();
    const sched = new BatchScheduler(o, clock);
    const s = newSeq(1, 5, () => {});
    sched.submit(s);
    const seen: number[] = [];
    for (const t of [0, 9, 10, 25, 40, 50, 70]) {
      clock.advanceTo(t);
      seen.push(sched.produced(s));
    }
    expect(seen).toEqual([0, 0, 1, 2, 4, 5, 5]);
  });

  it("sim timing - slot utilisation is the time-weighted mean of running / max_num_seqs", () => {
    const o = timing({ max_num_seqs: 4, fixed_latency_ms: 100 });
    // Two requests over [0, 100], then one over [100, 200]: (2·100 + 1·100) / (4 · 200).
    const { sched } = simulate(
      [
        { at: 0, prompt: 1, out: 1 },
        { at: 0, prompt: 1, out: 1 },
        { at: 100, prompt: 1, out: 1 },
      ],
      o,
    );
    const occ = sched.occupancy();
    expect(occ.window_ms).toBe(200);
    expect(occ.slot_utilization).toBeCloseTo(300 / 800, 9);
  });
});
