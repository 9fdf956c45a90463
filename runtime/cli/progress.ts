// Progress display: a bar on a TTY (done/total, tasks/s, tokens/s, errors, ETA), summary lines otherwise.
import cliProgress from "cli-progress";
import type { RunProgress } from "../modes/run.ts";

export interface ProgressView {
  start(p: RunProgress): void;
  update(p: RunProgress): void;
  stop(): void;
}

function rates(p: RunProgress) {
  const s = Math.max(p.elapsedMs / 1000, 1e-3);
  const remaining = Math.max(0, p.total - p.skipped - p.done);
  const tps = p.done / s;
  return {
    tps,
    toks: (p.promptTokens + p.completionTokens) / s,
    eta: tps > 0 ? remaining / tps : Number.NaN,
  };
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function fmtNum(x: number): string {
  if (x >= 1e6) return (x / 1e6).toFixed(1) + "M";
  if (x >= 1e4) return (x / 1e3).toFixed(1) + "k";
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** One summary line (used when stderr is not a TTY). */
export function progressLine(p: RunProgress): string {
  const r = rates(p);
  const doneAll = p.done + p.skipped;
  const pct = p.total > 0 ? ((100 * doneAll) / p.total).toFixed(1) : "100.0";
  return (
    `[${fmtDuration(p.elapsedMs / 1000)}] ${doneAll}/${p.total} tasks (${pct}%) ` +
    `${fmtNum(r.tps)} tasks/s ${fmtNum(r.toks)} tok/s in_flight ${p.inFlight} ` +
    `ok ${p.ok} filtered ${p.filtered} errors ${p.error} ETA ${fmtDuration(r.eta)}`
  );
}

export class LineProgress implements ProgressView {
  readonly write: (line: string) => void;
  constructor(write: (line: string) => void) {
    this.write = write;
  }
  start(p: RunProgress): void {
    this.write(`started: ${p.total} tasks, ${p.skipped} already in the output`);
  }
  update(p: RunProgress): void {
    this.write(progressLine(p));
  }
  stop(): void {}
}

export class BarProgress implements ProgressView {
  readonly #bar = new cliProgress.SingleBar(
    {
      format: "{bar} {value}/{total} | {tps} tasks/s | {toks} tok/s | in flight {inflight} | errors {errors} | ETA {etaf}",
      hideCursor: true,
      stream: process.stderr,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  #started = false;

  #payload(p: RunProgress) {
    const r = rates(p);
    return { tps: fmtNum(r.tps), toks: fmtNum(r.toks), inflight: p.inFlight, errors: p.error, etaf: fmtDuration(r.eta) };
  }
  start(p: RunProgress): void {
    this.#bar.start(p.total, p.done + p.skipped, this.#payload(p));
    this.#started = true;
  }
  update(p: RunProgress): void {
    if (this.#started) this.#bar.update(p.done + p.skipped, this.#payload(p));
  }
  stop(): void {
    if (this.#started) this.#bar.stop();
    this.#started = false;
  }
}
