// The LLM client: one `LlmResource` per configured resource, with timeouts, retries, balancing and accounting.
import { ConfigError, MatrixError, RetryableError, TerminalError } from "../../runtime/errors.ts";
import { silentLogger } from "../../runtime/log.ts";
import type { Logger } from "../../runtime/log.ts";
import { abortableSleep, raceAbort } from "./abort.ts";
import { backoffDelay, parseRetryAfter } from "./backoff.ts";
import { Balancer } from "./balancer.ts";
import type { Outcome, ReplicaTarget } from "./balancer.ts";
import type { LlmResourceConfig } from "./config.ts";
import type { ReplicaDirectory } from "./replicas.ts";
import { Semaphore } from "./semaphore.ts";
import { httpTransport } from "./transport.ts";
import type { Transport, TransportRequest, TransportResponse } from "./transport.ts";
import type { ChatCall, ChatOptions, ChatResult, LlmResource } from "./types.ts";
import type { UsageMeter } from "./usage.ts";
import { buildChatBody, estimateUsage, readChatReply, serverMessage } from "./wire.ts";
import type { ChatReply } from "./wire.ts";

/** Base URL used when a resource has no `url`: the embedded simulated LLM, reached through `opts.transport`. */
export const EMBEDDED_URL = "sim://embedded/v1";

/** A `Retry-After` longer than this is not waited out in-process: the hop goes back to the runtime with it. */
export const MAX_IN_PROCESS_RETRY_AFTER_MS = 60_000;

/** Statuses worth retrying: throttling, request timeout, conflict, and every server error. */
const RETRY_STATUS = new Set([408, 409, 429]);

const MESSAGE_LIMIT = 300;

export type LlmClientOptions = {
  /** Default `httpTransport`; the embedded simulated LLM passes its in-process transport. */
  transport?: Transport;
  log?: Logger;
  /** Where `api_key_env` is looked up (default the process environment). */
  env?: Record<string, string | undefined>;
  meter?: UsageMeter;
  /** Jitter source for backoff (default Math.random). */
  random?: () => number;
  /** Waits between attempts (default an abortable setTimeout). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Resolves `llm.<name>.service` to its live replicas (the service registry); required for such resources. */
  replicas?: ReplicaDirectory;
};

type Failure = { error: RetryableError; status: number | undefined; retryAfterMs: number | undefined };
type AttemptResult = { ok: true; reply: ChatReply } | { ok: false; failure: Failure };

/**
 * Creates the client of one LLM resource.
 *
 * @example
 * const llm = createLlmResource(compileLlmResource("judge", input), { meter });
 * const r = await llm.chat({ messages: [{ role: "user", content: "2+2?" }], seed: 7 }, { key: task.id, role: "judge", signal });
 */
export function createLlmResource(config: LlmResourceConfig, opts: LlmClientOptions = {}): LlmResource {
  const service = config.service ?? null;
  if (service === null && config.urls.length === 0 && opts.transport === undefined) {
    throw new ConfigError(`llm.${config.name} has no url and no embedded simulated LLM transport was given`);
  }
  if (service !== null && opts.replicas === undefined) {
    throw new ConfigError(`llm.${config.name}.service needs the service registry (run with --nats URL) or a url list instead`);
  }
  const transport = opts.transport ?? httpTransport;
  const log = (opts.log ?? silentLogger).child({ llm: config.name });
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? abortableSleep;
  const cap = config.max_ongoing_requests ?? 0;
  const balancer = new Balancer(service !== null ? [] : config.urls.length > 0 ? config.urls : [EMBEDDED_URL], {
    policy: config.routing ?? "sticky",
    max_ongoing: cap,
    random,
  });
  let unsubscribe = () => {};
  if (service !== null && opts.replicas !== undefined) {
    const source = opts.replicas.replicas(service);
    // A configured cap wins over the one each replica registered.
    const targets = (ts: ReplicaTarget[]) => (cap > 0 ? ts.map((t) => ({ ...t, max_ongoing: cap })) : ts);
    balancer.setReplicas(targets(source.current()));
    unsubscribe = source.subscribe((ts) => balancer.setReplicas(targets(ts)));
  }
  const replicaWaitMs = config.replica_wait_ms ?? 60_000;
  const keyHeader = config.api_key_header ?? "authorization";
  const semaphore = config.max_concurrency > 0 ? new Semaphore(config.max_concurrency) : undefined;
  const shown = new Map<string, string>();
  const where = (url: string) => {
    let s = shown.get(url);
    if (s === undefined) {
      s = displayUrl(url);
      if (shown.size > 1024) shown.clear();
      shown.set(url, s);
    }
    return s;
  };

  /** A replica with room for one more request; waits while all are saturated, or up to `replica_wait` while none exists. */
  async function acquire(key: string | undefined, avoid: ReadonlySet<string> | undefined, signal: AbortSignal | undefined): Promise<string | undefined> {
    const deadline = Date.now() + replicaWaitMs;
    for (;;) {
      const url = balancer.tryPick(key, avoid);
      if (url !== undefined) return url;
      const empty = balancer.urls.length === 0;
      const left = deadline - Date.now();
      if (empty && left <= 0) return undefined;
      try {
        await balancer.whenChanged(signal, empty ? left : undefined);
      } catch (err) {
        if (signal?.aborted) throw aborted(signal);
        throw err;
      }
    }
  }

  function apiKey(): string | undefined {
    if (config.api_key_env === null) return undefined;
    const env = opts.env ?? globalThis.process?.env ?? {};
    const key = env[config.api_key_env];
    if (key === undefined || key === "") {
      throw new TerminalError(
        "llm_api_key_missing",
        `llm.${config.name}: environment variable ${config.api_key_env} (api_key_env) is not set`,
      );
    }
    return key;
  }

  function aborted(signal: AbortSignal): MatrixError {
    const reason: unknown = signal.reason;
    if (reason instanceof MatrixError) return reason;
    return new RetryableError("aborted", `llm.${config.name}: call aborted`, { cause: reason });
  }

  // A transport that keeps its own timeout and honours the caller's signal needs nothing of ours around a call.
  const direct = transport.handlesTimeout === true && transport.honorsSignal === true;

  async function attempt(
    url: string,
    body: unknown,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    redact: (s: string) => string,
  ): Promise<AttemptResult> {
    const ctl = new AbortController();
    let timedOut = false;
    const timer =
      config.timeout_ms > 0
        ? setTimeout(() => {
            timedOut = true;
            ctl.abort(new DOMException(`timed out after ${config.timeout_ms} ms`, "TimeoutError"));
          }, config.timeout_ms)
        : undefined;
    const onAbort = () => ctl.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let status: number;
    let json: unknown;
    let retryAfter: string | null;
    try {
      // Raced against the signal so that a transport which ignores it still cannot outlive a timeout or abort
      // (transports that honour their signal skip the race: two promises and a listener less per call).
      const posted = transport.post({ url: `${url}/chat/completions`, body, headers, signal: ctl.signal });
      const res = transport.honorsSignal === true ? await posted : await raceAbort(posted, ctl.signal);
      status = res.status;
      retryAfter = res.header("retry-after");
      json = transport.honorsSignal === true ? await res.json() : await raceAbort(res.json(), ctl.signal);
    } catch (err) {
      if (signal?.aborted) throw aborted(signal);
      return transportFailure(url, err, timedOut, redact);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }

    return judge(url, status, json, retryAfter, redact);
  }

  /**
   * An attempt through a transport that keeps its own timeout and honours the caller's signal (the in-process
   * simulated LLM): no controller, timer or listener of ours per call.
   */
  async function attemptDirect(
    url: string,
    body: unknown,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    redact: (s: string) => string,
  ): Promise<AttemptResult> {
    let res: TransportResponse;
    let json: unknown;
    try {
      const req: TransportRequest = { url: `${url}/chat/completions`, body, headers };
      if (signal !== undefined) req.signal = signal;
      if (config.timeout_ms > 0) req.timeoutMs = config.timeout_ms;
      res = await transport.post(req);
      json = await res.json();
    } catch (err) {
      if (signal?.aborted) throw aborted(signal);
      return transportFailure(url, err, err instanceof DOMException && err.name === "TimeoutError", redact);
    }
    return judge(url, res.status, json, res.header("retry-after"), redact);
  }

  /** A call that got no answer: past its timeout, or the connection failed. Both are worth another try. */
  function transportFailure(url: string, err: unknown, timedOut: boolean, redact: (s: string) => string): AttemptResult {
    const error = timedOut
      ? new RetryableError("llm_timeout", `llm.${config.name}: no answer from ${where(url)} within ${config.timeout_ms} ms`, { cause: err })
      : new RetryableError("llm_network", `llm.${config.name}: ${where(url)}: ${redact(networkMessage(err))}`, { cause: err });
    return { ok: false, failure: { error, status: undefined, retryAfterMs: undefined } };
  }

  /** What an answer means: a reply, a retryable failure, or (4xx other than throttling) a terminal error. */
  function judge(url: string, status: number, json: unknown, retryAfter: string | null, redact: (s: string) => string): AttemptResult {
    if (status >= 200 && status < 300) {
      const reply = readChatReply(json);
      if (reply !== undefined) return { ok: true, reply };
      const error = new RetryableError("llm_bad_response", `llm.${config.name}: ${where(url)} answered ${status} without choices[0].message`);
      return { ok: false, failure: { error, status, retryAfterMs: undefined } };
    }
    const detail = redact(truncate(serverMessage(json) ?? "", MESSAGE_LIMIT));
    const message = `llm.${config.name}: ${where(url)} answered HTTP ${status}${detail ? `: ${detail}` : ""}`;
    if (RETRY_STATUS.has(status) || status >= 500) {
      const retryAfterMs = parseRetryAfter(retryAfter);
      const error = new RetryableError(`llm_http_${status}`, message, retryAfterMs === undefined ? {} : { retryAfterMs });
      return { ok: false, failure: { error, status, retryAfterMs } };
    }
    throw new TerminalError(`llm_http_${status}`, message);
  }

  function record(role: string, ok: boolean, attempts: number, usage: { prompt_tokens: number; completion_tokens: number }, started: number): void {
    opts.meter?.record(role, { ok, retries: Math.max(0, attempts - 1), prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, ms: Date.now() - started });
  }

  async function chat(call: ChatCall, chatOpts: ChatOptions = {}): Promise<ChatResult> {
    const { signal, key } = chatOpts;
    const role = chatOpts.role ?? "unknown";
    const started = Date.now();
    let attempts = 0;
    try {
      if (signal?.aborted) throw aborted(signal);
      const secret = apiKey();
      // Without a key (the common case in-process), no headers object and no redaction closure per call.
      const headers: Record<string, string> =
        secret === undefined ? NO_HEADERS : keyHeader === "authorization" ? { authorization: `Bearer ${secret}` } : { [keyHeader]: secret };
      const redact = secret === undefined ? unchanged : (s: string) => s.split(secret).join("***");
      const body = buildChatBody(config, call);
      const modelFixed = !config.model_from_registry || config.extra_body.model !== undefined || call.extra_body?.model !== undefined;
      let avoid: Set<string> | undefined;
      let last: Failure | undefined;
      for (;;) {
        if (last !== undefined) {
          const delay = Math.max(last.retryAfterMs ?? 0, backoffDelay(attempts - 1, config.backoff, random));
          try {
            await sleep(delay, signal);
          } catch (err) {
            if (signal?.aborted) throw aborted(signal);
            throw err;
          }
        }
        const release = semaphore === undefined ? undefined : await semaphore.acquire(signal).catch((err: unknown) => {
          throw signal?.aborted ? aborted(signal) : err;
        });
        let url: string | undefined;
        try {
          url = await acquire(key, avoid, signal);
        } catch (err) {
          release?.();
          throw err;
        }
        attempts++;
        if (url === undefined) {
          release?.();
          const error = new RetryableError("llm_no_replicas", `llm.${config.name}: service "${service}" has no registered replica`);
          last = { error, status: undefined, retryAfterMs: undefined };
          if (attempts > config.max_retries) break;
          continue;
        }
        const model = modelFixed ? undefined : balancer.modelOf(url);
        const sent = model === undefined ? body : { ...body, model };
        // Every pick MUST be released: a caller abort or a bug leaves the URL's health unchanged.
        let outcome: Outcome = "neutral";
        let result: AttemptResult;
        try {
          result = await (direct ? attemptDirect(url, sent, headers, signal, redact) : attempt(url, sent, headers, signal, redact));
          outcome = result.ok ? "ok" : "fail";
        } catch (err) {
          // A 4xx means the server is alive and answering; only the request was wrong.
          if (err instanceof TerminalError) outcome = "ok";
          throw err;
        } finally {
          const info = balancer.release(url, outcome);
          release?.();
          if (info.ejected) log.warn("llm replica ejected", { url: where(url), cooldown_ms: info.cooldown_ms });
        }
        if (result.ok) {
          const reply = result.reply;
          const usage = reply.usage ?? estimateUsage(call, reply);
          record(role, true, attempts, usage, started);
          return {
            content: reply.content,
            tool_calls: reply.tool_calls,
            finish_reason: reply.finish_reason,
            usage,
            ms: Date.now() - started,
            url: where(url),
            attempts,
          };
        }
        last = result.failure;
        const tooLong = (last.retryAfterMs ?? 0) > MAX_IN_PROCESS_RETRY_AFTER_MS;
        if (attempts > config.max_retries || tooLong) break;
        avoid ??= new Set<string>();
        avoid.add(url);
        // Once every URL has failed, steer away from the last one only.
        if (avoid.size >= balancer.urls.length) avoid = new Set([url]);
        log.debug("llm retry", { url: where(url), attempt: attempts, code: last.error.code });
      }
      const code = last.status === 429 ? "llm_rate_limited" : "llm_unavailable";
      const message = `llm.${config.name}: gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${last.error.message}`;
      throw new RetryableError(code, message, last.retryAfterMs === undefined ? { cause: last.error } : { cause: last.error, retryAfterMs: last.retryAfterMs });
    } catch (err) {
      // A call the caller abandoned is not an LLM error, so it is not counted at all.
      if (!signal?.aborted) record(role, false, attempts, NO_USAGE, started);
      throw err;
    }
  }

  return { name: config.name, model: config.model, chat, close: () => unsubscribe() };
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_USAGE = Object.freeze({ prompt_tokens: 0, completion_tokens: 0 });
const unchanged = (s: string): string => s;

/** fetch reports "fetch failed" and hides the useful part (ECONNREFUSED, ...) in `cause`. */
function networkMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${err.message} (${typeof code === "string" ? code : cause.message})`;
  }
  return err.message;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + "…";
}

/** A URL as it may appear in messages and logs: without user:password. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === "" && u.password === "") return url;
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}
