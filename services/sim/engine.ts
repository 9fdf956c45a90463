// The simulated LLM engine: validates a request, writes its scripted reply, times it in the batching model, answers.
import { setImmediate } from "node:timers";
import { composeReply, type Composed } from "./compose.ts";
import { apiError, type ApiError } from "./errors.ts";
import { SimMetrics } from "./metrics.ts";
import type { SimOptions } from "./options.ts";
import { parseSimRequest, type SimRequest, type SimRoute } from "./request.ts";
import { completionBody, modelList, usageOf, type ResponseHead } from "./responses.ts";
import { PrefixCache } from "./prefix-cache.ts";
import { mixSeeds, randomHex, seededRandom } from "./rng.ts";
import { BatchScheduler, newSeq, type SchedulerClock, type Seq } from "./scheduler.ts";
import type { Script } from "./script.ts";
import { SCRIPTS } from "./scripts/index.ts";
import { streamChunks } from "./stream.ts";

/** How often (real ms) streams look for new tokens; one shared timer serves every open stream. */
const STREAM_TICK_MS = 20;

/** An answer of the engine: a JSON body, or a stream of chunk objects (the SSE framing adds `[DONE]`). */
export type SimResponse =
  | { kind: "json"; status: number; headers: Record<string, string>; body: unknown }
  | { kind: "stream"; status: 200; headers: Record<string, string>; chunks: AsyncGenerator<Record<string, unknown>, void, undefined> };

export type SimHandleOptions = {
  /** Cancellation: the request leaves the queue or the batch, and `handle` rejects with the signal's reason. */
  signal?: AbortSignal;
  /** False where no stream can be carried (the in-process transport): `stream: true` is then a 400. */
  allowStream?: boolean;
  /**
   * Real ms after which the request is given up as a client would (0 or absent: never): it leaves the queue or
   * the batch and `handle` rejects with a `TimeoutError` DOMException. The in-process transport uses it, so the
   * client needs no controller of its own per call.
   */
  timeoutMs?: number;
};

function timeoutError(ms: number): DOMException {
  return new DOMException(`timed out after ${ms} ms`, "TimeoutError");
}

/** The text a finished chat leaves in the prefix cache: its prompt and, as the next turn resends it, its reply. */
function rememberText(req: SimRequest, reply: Composed): string {
  const calls = reply.tool_calls?.map((c) => c.function.name + c.function.arguments).join("") ?? "";
  return `${req.cacheText}\n<assistant>${reply.content ?? ""}${calls}`;
}

/**
 * A JSON request waiting for its timing: one object (its own abort listener, via `handleEvent`) instead of a
 * closure per concern.
 */
class Waiter {
  resolve!: (r: SimResponse) => void;
  reject!: (err: unknown) => void;
  readonly promise: Promise<SimResponse>;
  seq!: Seq;
  timer: ReturnType<typeof setTimeout> | undefined;
  timedOut = false;
  readonly answer: SimResponse;
  readonly signal: AbortSignal | undefined;
  readonly reportedMs: number;
  readonly remember: string | undefined;
  readonly finishReason: string;
  readonly arrivedAt: number;
  readonly #scheduler: BatchScheduler;

  constructor(
    scheduler: BatchScheduler,
    answer: SimResponse,
    signal: AbortSignal | undefined,
    reportedMs: number,
    remember: string | undefined,
    finishReason: string,
    arrivedAt: number,
  ) {
    this.#scheduler = scheduler;
    this.answer = answer;
    this.signal = signal;
    this.reportedMs = reportedMs;
    this.remember = remember;
    this.finishReason = finishReason;
    this.arrivedAt = arrivedAt;
    this.promise = new Promise<SimResponse>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.#scheduler.abort(this.seq);
  }

  /** Its timeout passed. */
  expire(): void {
    this.timedOut = true;
    this.#scheduler.abort(this.seq);
  }
}

function timeOut(w: Waiter): void {
  w.expire();
}

function deliver(w: Waiter): void {
  w.resolve(w.answer);
}

/** Counters and timing-model figures of an engine. */
export type SimStats = {
  model: string;
  /** Generation requests received (`/v1/chat/completions` and `/v1/completions`). */
  requests: number;
  /** Requests answered 200 with a full reply. */
  completed: number;
  /** Requests answered with an error status (invalid body, unknown model, too long, injected faults, shutdown). */
  errors: number;
  /** Of `errors`, the injected 429s. */
  rate_limited: number;
  /** Requests whose caller went away before the end. */
  aborted: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Prompt tokens looked up in the prefix cache (0 when it is off). */
  prefix_cache_queries: number;
  /** Of those, tokens found cached (they skipped prefill). */
  prefix_cache_hits: number;
  /** hits / queries (0 when nothing was looked up). */
  prefix_cache_hit_rate: number;
  running: number;
  waiting: number;
  peak_running: number;
  peak_waiting: number;
  max_num_seqs: number;
  /** Time-weighted mean of running / max_num_seqs from the first admission to the last completion (0..1). */
  slot_utilization: number;
  /** Simulated ms from the first admission to the last completion (or now while requests run). */
  sim_elapsed_ms: number;
  /** Completion tokens per real second over that window. */
  tokens_per_s: number;
  time_scale: number;
};

class EngineClosed extends Error {
  constructor() {
    super("the simulated LLM is shutting down");
    this.name = "EngineClosed";
  }
}

/**
 * An OpenAI-compatible simulated LLM, without a socket: `createSimApp` serves it over HTTP and `simTransport`
 * in-process.
 *
 * @example
 * const engine = new SimEngine(compileSimOptions({ time_scale: 100 }));
 * const res = await engine.handle("chat", { model: "sim", messages: [{ role: "user", content: "hi" }] });
 * // res.kind === "json", res.status === 200, res.body.choices[0].message.content
 * await engine.close();
 */
export class SimEngine {
  readonly options: SimOptions;
  readonly metrics: SimMetrics;
  readonly #scheduler: BatchScheduler;
  readonly #scripts: readonly Script[];
  readonly #faults: () => number;
  readonly #idPrefix = randomHex(Math.random, 8);
  readonly #created = Math.floor(Date.now() / 1000);
  #nextId = 0;
  #closed = false;
  readonly #delays = new Set<(err: Error) => void>();
  #tick: Promise<void> | undefined;
  readonly #n = { requests: 0, completed: 0, errors: 0, rate_limited: 0, aborted: 0, prompt_tokens: 0, completion_tokens: 0, prefix_cache_queries: 0, prefix_cache_hits: 0 };
  readonly #prefix: PrefixCache | undefined;

  /**
   * @param deps.scripts replaces the built-in scripts (first match wins; keep a catch-all last).
   * @param deps.clock drives the timing model (tests use a manual clock; default performance.now/setTimeout).
   * @param deps.metrics false for an engine no one scrapes (embedded in a run): Prometheus recording is skipped.
   */
  constructor(options: SimOptions, deps: { scripts?: readonly Script[]; clock?: SchedulerClock; metrics?: boolean } = {}) {
    this.options = options;
    this.#scheduler = new BatchScheduler(options, deps.clock);
    this.#scripts = deps.scripts ?? SCRIPTS;
    // Faults follow the order of arrival (not the content), so a retried request can pass.
    this.#faults = seededRandom(mixSeeds(options.seed, 0xfa17));
    this.#prefix = options.prefix_cache ? new PrefixCache(options.prefix_cache_tokens) : undefined;
    this.metrics = new SimMetrics(
      options.model,
      { running: () => this.#scheduler.running, waiting: () => this.#scheduler.waiting },
      deps.metrics ?? true,
    );
  }

  /** Serves one generation request; `body` is the parsed JSON (undefined when the body was not JSON). */
  handle(route: SimRoute, body: unknown, opts: SimHandleOptions = {}): Promise<SimResponse> {
    // Not an async function (one promise layer less per request); a failure still arrives as a rejection.
    try {
      return this.#handle(route, body, opts);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #handle(route: SimRoute, body: unknown, opts: SimHandleOptions): Promise<SimResponse> {
    this.#n.requests++;
    if (this.#closed) return Promise.resolve(this.#fail(apiError(503, "shutting_down", "the simulated LLM is shutting down")));
    const req = parseSimRequest(route, body, this.options);
    if ("error" in req) return Promise.resolve(this.#fail(req.error));
    if (req.stream && opts.allowStream === false) {
      return Promise.resolve(this.#fail(apiError(400, "stream_unsupported", "stream: true is not available in-process", { param: "stream" })));
    }
    const o = this.options;
    const r429 = this.#faults();
    const r500 = this.#faults();
    const rSpike = this.#faults();
    if (r429 < o.rate_429) {
      this.#n.rate_limited++;
      const retryAfter = String(o.retry_after_s);
      return Promise.resolve(
        this.#fail(apiError(429, "rate_limit_exceeded", "Too many requests (injected by the simulated LLM)", { headers: { "retry-after": retryAfter } })),
      );
    }
    if (r500 < o.error_rate) return Promise.resolve(this.#fail(apiError(500, "internal_error", "Internal server error (injected by the simulated LLM)")));

    const reply = composeReply(this.#scripts, req, o);
    const arrivedAt = this.#scheduler.now();
    const spiked = rSpike < o.spike_rate && o.spike_ms > 0;
    if (req.stream || spiked) return this.#handleSlow(req, reply, arrivedAt, spiked, opts);
    return this.#answer(req, reply, arrivedAt, opts.signal, opts.timeoutMs ?? 0);
  }

  /**
   * The common path, a JSON answer: the body is built now (its content is decided; `created` is the request's
   * time, as vLLM reports it), and only the timing is waited for. What waits holds the answer and the sequence,
   * not the request: with thousands of requests in flight, every object kept through the wait is copied by the
   * young-generation collector.
   */
  #answer(req: SimRequest, reply: Composed, arrivedAt: number, signal: AbortSignal | undefined, timeoutMs: number, reportedMs = timeoutMs): Promise<SimResponse> {
    if (this.#closed) return Promise.resolve(this.#fail(apiError(503, "shutting_down", "the simulated LLM is shutting down")));
    if (signal?.aborted) {
      this.#n.aborted++;
      return Promise.reject(signal.reason);
    }
    const cached = this.#admitPrefix(req);
    const head: ResponseHead = { id: this.#id(req.route), created: Math.floor(Date.now() / 1000), model: this.options.model, route: req.route };
    const answer: SimResponse = { kind: "json", status: 200, headers: {}, body: completionBody(head, reply, usageOf(req.promptTokens, reply.tokens)) };
    const remember = this.#prefix !== undefined && req.route === "chat" ? rememberText(req, reply) : undefined;
    const w = new Waiter(this.#scheduler, answer, signal, reportedMs, remember, reply.finish_reason, arrivedAt);
    const seq = newSeq(req.promptTokens, reply.tokens, (done) => this.#settle(w, done), req.promptTokens - cached);
    w.seq = seq;
    if (timeoutMs > 0) w.timer = setTimeout(timeOut, timeoutMs, w);
    signal?.addEventListener("abort", w, { once: true });
    this.#scheduler.submit(seq);
    return w.promise;
  }

  /** The end of a `#answer` request: answered, or given up (abort, timeout, shutdown). */
  #settle(w: Waiter, s: Seq): void {
    w.signal?.removeEventListener("abort", w);
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (s.state !== "done") {
      if (this.#closed) return w.resolve(this.#fail(apiError(503, "shutting_down", new EngineClosed().message)));
      this.#n.aborted++;
      return w.reject(w.timedOut ? timeoutError(w.reportedMs) : (w.signal?.reason ?? new DOMException("request aborted", "AbortError")));
    }
    if (w.remember !== undefined) this.#prefix?.remember(w.remember);
    this.#completed(s, w.finishReason, w.arrivedAt);
    // Each answer is delivered as its own event, as a response arriving on a socket would be: what the caller
    // does with it runs to its next wait before the next answer, instead of every answer of a timer tick moving
    // one step at a time together (which delays them all until the slowest is done).
    setImmediate(deliver, w);
  }

  /** Streams and latency spikes: the general path (the answer's timing is followed token by token). */
  async #handleSlow(req: SimRequest, reply: Composed, arrivedAt: number, spiked: boolean, opts: SimHandleOptions): Promise<SimResponse> {
    const o = this.options;
    const signal = opts.signal;
    const timeoutMs = opts.timeoutMs ?? 0;
    let left = timeoutMs;
    let submitted = false;
    try {
      if (spiked) {
        const spike = o.spike_ms / o.time_scale;
        if (timeoutMs > 0 && spike >= timeoutMs) {
          await this.#delay(timeoutMs, signal);
          throw timeoutError(timeoutMs);
        }
        await this.#delay(spike, signal);
        if (timeoutMs > 0) left = timeoutMs - spike;
      }
      if (!req.stream) {
        submitted = true;
        return await this.#answer(req, reply, arrivedAt, signal, left, timeoutMs);
      }
      const ticket = this.#submit(req, reply, arrivedAt, signal);
      submitted = true;
      const head: ResponseHead = { id: this.#id(req.route), created: Math.floor(Date.now() / 1000), model: o.model, route: req.route };
      const usage = usageOf(req.promptTokens, reply.tokens);
      ticket.done.catch(() => {});
      const chunks = streamChunks(head, reply, usage, req.includeUsage, {
        produced: () => this.#scheduler.produced(ticket.seq),
        finished: () => ticket.seq.state === "done" || ticket.seq.state === "aborted",
        wait: () => Promise.race([ticket.done, this.#nextTick()]),
        cancel: () => this.#scheduler.abort(ticket.seq),
      });
      return { kind: "stream", status: 200, headers: {}, chunks };
    } catch (err) {
      if (err instanceof EngineClosed) return this.#fail(apiError(503, "shutting_down", err.message));
      // Aborted while delayed by a spike (aborts in the scheduler are counted where they happen).
      if (!submitted) this.#n.aborted++;
      throw err;
    }
  }

  /** The body of `GET /v1/models`. */
  models(): Record<string, unknown> {
    return modelList(this.options.model, this.options.max_model_len, this.#created);
  }

  stats(): SimStats {
    const s = this.#scheduler;
    const occ = s.occupancy();
    const realS = occ.window_ms / this.options.time_scale / 1000;
    return {
      model: this.options.model,
      ...this.#n,
      prefix_cache_hit_rate: this.#n.prefix_cache_queries > 0 ? this.#n.prefix_cache_hits / this.#n.prefix_cache_queries : 0,
      running: s.running,
      waiting: s.waiting,
      peak_running: s.peakRunning,
      peak_waiting: s.peakWaiting,
      max_num_seqs: this.options.max_num_seqs,
      slot_utilization: occ.slot_utilization,
      sim_elapsed_ms: occ.window_ms,
      tokens_per_s: realS > 0 ? this.#n.completion_tokens / realS : 0,
      time_scale: this.options.time_scale,
    };
  }

  /** Stops the engine: requests still queued or running are answered 503. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new EngineClosed();
    for (const reject of this.#delays) reject(closed);
    this.#delays.clear();
    this.#scheduler.close();
  }

  /** Queues a streamed request; `done` settles when it completes or is aborted. */
  #submit(req: SimRequest, reply: Composed, arrivedAt: number, signal: AbortSignal | undefined): { seq: Seq; done: Promise<void> } {
    if (this.#closed) throw new EngineClosed();
    if (signal?.aborted) throw signal.reason;
    const cached = this.#admitPrefix(req);
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const onAbort = () => this.#scheduler.abort(seq);
    const seq = newSeq(req.promptTokens, reply.tokens, (s) => {
      signal?.removeEventListener("abort", onAbort);
      if (s.state !== "done") {
        if (!this.#closed) this.#n.aborted++;
        reject(this.#closed ? new EngineClosed() : (signal?.reason ?? new DOMException("request aborted", "AbortError")));
        return;
      }
      if (req.route === "chat") this.#prefix?.remember(rememberText(req, reply));
      this.#completed(s, reply.finish_reason, arrivedAt);
      resolve();
    }, req.promptTokens - cached);
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#scheduler.submit(seq);
    return { seq, done };
  }

  /** Looks the prompt up in the prefix cache (when on): the tokens it need not prefill. */
  #admitPrefix(req: SimRequest): number {
    if (this.#prefix === undefined) return 0;
    const hit = this.#prefix.admit(req.cacheText, req.promptTokens);
    this.#n.prefix_cache_queries += hit.query_tokens;
    this.#n.prefix_cache_hits += hit.hit_tokens;
    this.metrics.prefixCache(hit.query_tokens, hit.hit_tokens);
    return hit.hit_tokens;
  }

  /** Counts a completed sequence. */
  #completed(s: Seq, finishReason: string, arrivedAt: number): void {
    const n = this.#n;
    n.completed++;
    n.prompt_tokens += s.promptTokens;
    n.completion_tokens += s.outputTokens;
    this.metrics.finished(
      s.promptTokens,
      s.outputTokens,
      finishReason,
      (s.finishedAt - arrivedAt) / 1000,
      (s.firstTokenAt - arrivedAt) / 1000,
      (s.admittedAt - arrivedAt) / 1000,
    );
  }

  #fail(err: ApiError): SimResponse {
    this.#n.errors++;
    this.metrics.failed(err.status);
    return { kind: "json", status: err.status, headers: err.headers, body: err.body };
  }

  #id(route: SimRoute): string {
    return `${route === "chat" ? "chatcmpl" : "cmpl"}-${this.#idPrefix}${(this.#nextId++).toString(16).padStart(8, "0")}`;
  }

  /** Waits `ms` real ms; rejects on abort or when the engine closes. */
  #delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const finish = (err?: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#delays.delete(fail);
        if (err === undefined) resolve();
        else reject(err);
      };
      const fail = (err: Error) => finish(err);
      const onAbort = () => finish(signal?.reason ?? new DOMException("request aborted", "AbortError"));
      const timer = setTimeout(() => finish(), ms);
      this.#delays.add(fail);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A promise every open stream shares, settled on the next stream tick. */
  #nextTick(): Promise<void> {
    this.#tick ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.#tick = undefined;
        resolve();
      }, STREAM_TICK_MS),
    );
    return this.#tick;
  }
}
