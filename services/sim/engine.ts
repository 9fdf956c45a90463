// The simulated LLM engine: validates a request, writes its scripted reply, times it in the batching model, answers.
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
};

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
  async handle(route: SimRoute, body: unknown, opts: SimHandleOptions = {}): Promise<SimResponse> {
    this.#n.requests++;
    if (this.#closed) return this.#fail(apiError(503, "shutting_down", "the simulated LLM is shutting down"));
    const req = parseSimRequest(route, body, this.options);
    if ("error" in req) return this.#fail(req.error);
    if (req.stream && opts.allowStream === false) {
      return this.#fail(apiError(400, "stream_unsupported", "stream: true is not available in-process", { param: "stream" }));
    }
    const o = this.options;
    const r429 = this.#faults();
    const r500 = this.#faults();
    const rSpike = this.#faults();
    if (r429 < o.rate_429) {
      this.#n.rate_limited++;
      const retryAfter = String(o.retry_after_s);
      return this.#fail(apiError(429, "rate_limit_exceeded", "Too many requests (injected by the simulated LLM)", { headers: { "retry-after": retryAfter } }));
    }
    if (r500 < o.error_rate) return this.#fail(apiError(500, "internal_error", "Internal server error (injected by the simulated LLM)"));

    const reply = composeReply(this.#scripts, req, o);
    const arrivedAt = this.#scheduler.now();
    const signal = opts.signal;
    let submitted = false;
    try {
      if (rSpike < o.spike_rate && o.spike_ms > 0) await this.#delay(o.spike_ms / o.time_scale, signal);
      const ticket = this.#submit(req, reply, arrivedAt, signal);
      submitted = true;
      const head: ResponseHead = { id: this.#id(route), created: Math.floor(Date.now() / 1000), model: o.model, route };
      const usage = usageOf(req.promptTokens, reply.tokens);
      if (req.stream) {
        ticket.done.catch(() => {});
        const chunks = streamChunks(head, reply, usage, req.includeUsage, {
          produced: () => this.#scheduler.produced(ticket.seq),
          finished: () => ticket.seq.state === "done" || ticket.seq.state === "aborted",
          wait: () => Promise.race([ticket.done, this.#nextTick()]),
          cancel: () => this.#scheduler.abort(ticket.seq),
        });
        return { kind: "stream", status: 200, headers: {}, chunks };
      }
      await ticket.done;
      return { kind: "json", status: 200, headers: {}, body: completionBody(head, reply, usage) };
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

  #submit(req: SimRequest, reply: Composed, arrivedAt: number, signal: AbortSignal | undefined): { seq: Seq; done: Promise<void> } {
    if (this.#closed) throw new EngineClosed();
    if (signal?.aborted) throw signal.reason;
    let cached = 0;
    if (this.#prefix !== undefined) {
      const hit = this.#prefix.admit(req.cacheText, req.promptTokens);
      cached = hit.hit_tokens;
      this.#n.prefix_cache_queries += hit.query_tokens;
      this.#n.prefix_cache_hits += hit.hit_tokens;
      this.metrics.prefixCache(hit.query_tokens, hit.hit_tokens);
    }
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
        reject(this.#closed ? new EngineClosed() : signal?.reason ?? new DOMException("request aborted", "AbortError"));
        return;
      }
      const n = this.#n;
      // The chat's next turn resends this reply as an assistant message, in the same form as the prompt's turns.
      const calls = reply.tool_calls?.map((c) => c.function.name + c.function.arguments).join("") ?? "";
      if (req.route === "chat") this.#prefix?.remember(`${req.cacheText}\n<assistant>${reply.content ?? ""}${calls}`);
      n.completed++;
      n.prompt_tokens += s.promptTokens;
      n.completion_tokens += s.outputTokens;
      this.metrics.finished(
        s.promptTokens,
        s.outputTokens,
        reply.finish_reason,
        (s.finishedAt - arrivedAt) / 1000,
        (s.firstTokenAt - arrivedAt) / 1000,
        (s.admittedAt - arrivedAt) / 1000,
      );
      resolve();
    }, req.promptTokens - cached);
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#scheduler.submit(seq);
    return { seq, done };
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
