// Tests of the LLM client against real scripted OpenAI-compatible HTTP servers on 127.0.0.1.
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MatrixError, RetryableError, TerminalError } from "../runtime/errors.ts";
import { createLlmResource } from "../services/llm/client.ts";
import type { LlmClientOptions } from "../services/llm/client.ts";
import type { LlmResourceConfig } from "../services/llm/config.ts";
import { UsageMeter } from "../services/llm/usage.ts";

type Seen = { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> };
type Reply = { status?: number; headers?: Record<string, string>; body?: unknown; delay_ms?: number } | "hang";
type Script = (n: number, req: Seen) => Reply;

type TestServer = { url: string; seen: Seen[]; maxInFlight: () => number };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function completion(content: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "cmpl-1",
    object: "chat.completion",
    created: 0,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
    ...extra,
  };
}

const ok: Script = () => ({ body: completion("hello") });

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A scripted OpenAI-compatible endpoint; the script sees the request number (0-based) and the request. */
async function startServer(script: Script = ok): Promise<TestServer> {
  const seen: Seen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const entry: Seen = { path: req.url ?? "", headers: req.headers, body: text ? JSON.parse(text) : {} };
      const reply = script(seen.length, entry);
      seen.push(entry);
      if (reply === "hang") return;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
        res.end(JSON.stringify(reply.body ?? {}));
      }, reply.delay_ms ?? 0);
    });
  });
  const port = await listen(server);
  closers.push(() => close(server));
  return { url: `http://127.0.0.1:${port}/v1`, seen, maxInFlight: () => maxInFlight };
}

/** A base URL on which nothing listens. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return `http://127.0.0.1:${port}/v1`;
}

function config(urls: string[], over: Partial<LlmResourceConfig> = {}): LlmResourceConfig {
  return {
    name: "test",
    urls,
    model: "test-model",
    api_key_env: null,
    sampling: {},
    timeout_ms: 5_000,
    max_retries: 3,
    extra_body: {},
    backoff: { initial_ms: 5, max_ms: 20, multiplier: 2 },
    max_concurrency: 0,
    ...over,
  };
}

/** Records the requested delays and waits only briefly, so Retry-After tests need not sleep for seconds. */
function recordingSleep(delays: number[]): NonNullable<LlmClientOptions["sleep"]> {
  return (ms) => {
    delays.push(ms);
    return new Promise((resolve) => setTimeout(resolve, 1));
  };
}

const hi = { messages: [{ role: "user" as const, content: "hi" }] };

async function rejection(p: Promise<unknown>): Promise<MatrixError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MatrixError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

describe("llm - client", () => {
  it("llm - answers and reports content, usage, url and attempts", async () => {
    const s = await startServer();
    const llm = createLlmResource(config([s.url]));
    const r = await llm.chat(hi);
    expect(r).toMatchObject({
      content: "hello",
      tool_calls: [],
      finish_reason: "stop",
      usage: { prompt_tokens: 11, completion_tokens: 7 },
      url: s.url,
      attempts: 1,
    });
    expect(r.ms).toBeGreaterThanOrEqual(0);
    expect(s.seen[0]?.path).toBe("/v1/chat/completions");
    expect(s.seen[0]?.headers.authorization).toBeUndefined();
    expect(llm.name).toBe("test");
    expect(llm.model).toBe("test-model");
  });

  it("llm - returns tool calls", async () => {
    const call = { id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } };
    const s = await startServer(() => ({
      body: {
        ...completion(null),
        choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [call] }, finish_reason: "tool_calls" }],
      },
    }));
    const r = await createLlmResource(config([s.url])).chat(hi);
    expect(r.content).toBeNull();
    expect(r.tool_calls).toEqual([call]);
    expect(r.finish_reason).toBe("tool_calls");
  });

  it("llm - 429 with Retry-After twice, then 200: waits at least Retry-After each time", async () => {
    const s = await startServer((n) =>
      n < 2 ? { status: 429, headers: { "retry-after": "1" }, body: { error: { message: "slow down" } } } : { body: completion("ok") },
    );
    const delays: number[] = [];
    const r = await createLlmResource(config([s.url]), { sleep: recordingSleep(delays) }).chat(hi);
    expect(r.content).toBe("ok");
    expect(r.attempts).toBe(3);
    expect(s.seen).toHaveLength(3);
    expect(delays).toHaveLength(2);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(1_000);
  });

  it("llm - 500 then 200 retries once with the real sleep", async () => {
    const s = await startServer((n) => (n === 0 ? { status: 500, body: { error: { message: "boom" } } } : { body: completion("ok") }));
    const r = await createLlmResource(config([s.url])).chat(hi);
    expect(r.content).toBe("ok");
    expect(r.attempts).toBe(2);
    expect(s.seen).toHaveLength(2);
  });

  it("llm - 408, 409, 502 and 503 are retried", async () => {
    const statuses = [408, 409, 502, 503];
    const s = await startServer((n) => (n < statuses.length ? { status: statuses[n]! } : { body: completion("ok") }));
    const r = await createLlmResource(config([s.url], { max_retries: 4 })).chat(hi);
    expect(r.attempts).toBe(5);
  });

  it("llm - a request that hangs past the timeout is retried", async () => {
    const s = await startServer((n) => (n === 0 ? "hang" : { body: completion("late but fine") }));
    const r = await createLlmResource(config([s.url], { timeout_ms: 200 })).chat(hi);
    expect(r.content).toBe("late but fine");
    expect(r.attempts).toBe(2);
    expect(s.seen).toHaveLength(2);
  });

  it("llm - every attempt timing out ends as llm_unavailable with the timeout as cause", async () => {
    const s = await startServer(() => "hang");
    const err = await rejection(createLlmResource(config([s.url], { timeout_ms: 100, max_retries: 1 })).chat(hi));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe("llm_unavailable");
    expect((err.cause as MatrixError).code).toBe("llm_timeout");
    expect(s.seen).toHaveLength(2);
  });

  it("llm - 400 is terminal, not retried, and carries the server's message truncated", async () => {
    const long = "bad request: " + "x".repeat(2_000);
    const s = await startServer(() => ({ status: 400, body: { error: { message: long } } }));
    const err = await rejection(createLlmResource(config([s.url])).chat(hi));
    expect(err).toBeInstanceOf(TerminalError);
    expect(err.code).toBe("llm_http_400");
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("bad request: xxx");
    expect(err.message.length).toBeLessThan(450);
    expect(s.seen).toHaveLength(1);
  });

  it("llm - exhausted retries on 503 give llm_unavailable with the last cause", async () => {
    const s = await startServer(() => ({ status: 503, body: { error: { message: "overloaded" } } }));
    const err = await rejection(createLlmResource(config([s.url], { max_retries: 2 })).chat(hi));
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.code).toBe("llm_unavailable");
    expect(err.message).toContain("overloaded");
    expect((err.cause as MatrixError).code).toBe("llm_http_503");
    expect(s.seen).toHaveLength(3);
  });

  it("llm - exhausted retries on 429 give llm_rate_limited with retryAfterMs", async () => {
    const s = await startServer(() => ({ status: 429, headers: { "retry-after": "2" } }));
    const delays: number[] = [];
    const err = await rejection(createLlmResource(config([s.url], { max_retries: 1 }), { sleep: recordingSleep(delays) }).chat(hi));
    expect(err.code).toBe("llm_rate_limited");
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(2_000);
    expect(s.seen).toHaveLength(2);
  });

  it("llm - a Retry-After too long to wait in-process goes straight back to the runtime", async () => {
    const s = await startServer(() => ({ status: 429, headers: { "retry-after": "600" } }));
    const err = await rejection(createLlmResource(config([s.url], { max_retries: 5 })).chat(hi));
    expect(err.code).toBe("llm_rate_limited");
    expect(err.retryAfterMs).toBe(600_000);
    expect(s.seen).toHaveLength(1);
  });

  it("llm - a caller abort stops at once and is not retried", async () => {
    const s = await startServer(() => "hang");
    const ctl = new AbortController();
    const started = Date.now();
    setTimeout(() => ctl.abort(), 100);
    const err = await rejection(createLlmResource(config([s.url], { timeout_ms: 10_000 })).chat(hi, { signal: ctl.signal }));
    expect(err.code).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(s.seen).toHaveLength(1);
  });

  it("llm - an already aborted signal sends nothing", async () => {
    const s = await startServer();
    const err = await rejection(createLlmResource(config([s.url])).chat(hi, { signal: AbortSignal.abort() }));
    expect(err.code).toBe("aborted");
    expect(s.seen).toHaveLength(0);
  });

  it("llm - a 200 without choices is retried as a bad response", async () => {
    const s = await startServer((n) => (n === 0 ? { body: { nope: true } } : { body: completion("fine") }));
    const r = await createLlmResource(config([s.url])).chat(hi);
    expect(r.attempts).toBe(2);
  });
});

describe("llm - client request body and auth", () => {
  it("llm - the body carries model, messages, merged sampling, seed, tools and extra_body", async () => {
    const s = await startServer();
    const llm = createLlmResource(
      config([s.url], {
        sampling: { temperature: 0.2, max_tokens: 100, top_p: 0.9 },
        extra_body: { top_k: 20, repetition_penalty: 1.1 },
      }),
    );
    const tools = [{ type: "function" as const, function: { name: "lookup", parameters: { type: "object" } } }];
    await llm.chat({
      ...hi,
      tools,
      tool_choice: "auto",
      seed: 42,
      sampling: { temperature: 0.9, stop: ["\n"] },
      response_format: { type: "json_object" },
      extra_body: { top_k: 5, chat_template_kwargs: { enable_thinking: false } },
    });
    expect(s.seen[0]?.body).toEqual({
      model: "test-model",
      messages: hi.messages,
      temperature: 0.9,
      max_tokens: 100,
      top_p: 0.9,
      stop: ["\n"],
      tools,
      tool_choice: "auto",
      seed: 42,
      response_format: { type: "json_object" },
      top_k: 5,
      repetition_penalty: 1.1,
      chat_template_kwargs: { enable_thinking: false },
    });
  });

  it("llm - api_key_env sends a bearer token, and the key appears in no error message", async () => {
    const key = "sk-test-SECRET-0123456789";
    const s = await startServer((n, req) =>
      n === 0
        ? { body: completion("ok") }
        : { status: n === 1 ? 401 : 500, body: { error: { message: `rejected ${req.headers.authorization ?? ""}` } } },
    );
    const llm = createLlmResource(config([s.url], { api_key_env: "MATRIX_TEST_KEY", max_retries: 1 }), {
      env: { MATRIX_TEST_KEY: key },
    });
    await llm.chat(hi);
    expect(s.seen[0]?.headers.authorization).toBe(`Bearer ${key}`);
    const unauthorized = await rejection(llm.chat(hi));
    expect(unauthorized.code).toBe("llm_http_401");
    expect(unauthorized.message).toContain("rejected");
    expect(unauthorized.message).not.toContain(key);
    const exhausted = await rejection(llm.chat(hi));
    expect(exhausted.code).toBe("llm_unavailable");
    for (let e: unknown = exhausted; e instanceof Error; e = e.cause) expect(e.message).not.toContain(key);
  });

  it("llm - a missing api_key_env variable is terminal, names the variable and sends nothing", async () => {
    const s = await startServer();
    const err = await rejection(createLlmResource(config([s.url], { api_key_env: "MATRIX_NO_SUCH_KEY" }), { env: {} }).chat(hi));
    expect(err).toBeInstanceOf(TerminalError);
    expect(err.message).toContain("MATRIX_NO_SUCH_KEY");
    expect(s.seen).toHaveLength(0);
  });
});

describe("llm - client balancing", () => {
  it("llm - fails over from a dead URL to a live one, and ejects the dead one", async () => {
    const dead = await deadUrl();
    const live = await startServer();
    const llm = createLlmResource(config([dead, live.url], { max_retries: 2 }));
    let extra = 0;
    for (let i = 0; i < 12; i++) {
      const r = await llm.chat(hi, { key: `task-${i}` });
      expect(r.url).toBe(live.url);
      extra += r.attempts - 1;
    }
    // Each failed attempt moved to the live URL; after three failures the dead URL got no more traffic.
    expect(extra).toBeLessThanOrEqual(3);
    expect(live.seen).toHaveLength(12);
  });

  it("llm - the same key goes to the same server across calls", async () => {
    const a = await startServer();
    const b = await startServer();
    const llm = createLlmResource(config([a.url, b.url]));
    const home = new Map<string, string>();
    for (let turn = 0; turn < 3; turn++) {
      for (let k = 0; k < 16; k++) {
        const key = `task-${k}`;
        const r = await llm.chat({ messages: [{ role: "user", content: key }] }, { key });
        if (turn === 0) home.set(key, r.url);
        expect(r.url).toBe(home.get(key));
      }
    }
    expect(new Set(home.values()).size).toBe(2);
    // Each server saw each of its keys three times.
    for (const s of [a, b]) {
      const keys = [...home].filter(([, url]) => url === s.url).map(([key]) => key);
      expect(s.seen).toHaveLength(keys.length * 3);
      for (const req of s.seen) expect(keys).toContain((req.body.messages as Array<{ content: string }>)[0]?.content);
    }
  });

  it("llm - max_concurrency caps requests in flight", async () => {
    const s = await startServer(() => ({ body: completion("ok"), delay_ms: 40 }));
    const llm = createLlmResource(config([s.url], { max_concurrency: 2 }));
    const results = await Promise.all(Array.from({ length: 8 }, () => llm.chat(hi)));
    expect(results).toHaveLength(8);
    expect(s.seen).toHaveLength(8);
    expect(s.maxInFlight()).toBe(2);
  });
});

describe("llm - client usage", () => {
  it("llm - counts calls, errors, retries and tokens per role", async () => {
    const s = await startServer((n, req) => {
      const text = (req.body.messages as Array<{ content: string }>)[0]?.content ?? "";
      if (text === "fail") return { status: 400, body: { error: { message: "no" } } };
      if (text === "flaky" && n === 2) return { status: 500 };
      if (text === "no usage") return { body: { ...completion("twelve chars"), usage: undefined } };
      return { body: completion("hello") };
    });
    const meter = new UsageMeter();
    const llm = createLlmResource(config([s.url]), { meter });
    const say = (content: string) => ({ messages: [{ role: "user" as const, content }] });
    await llm.chat(say("a"), { role: "actor" });
    await llm.chat(say("b"), { role: "actor" });
    await llm.chat(say("flaky"), { role: "actor" });
    const estimated = await llm.chat(say("no usage"), { role: "judge" });
    await rejection(llm.chat(say("fail"), { role: "judge" }));
    await llm.chat(say("c"));
    expect(estimated.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3 });
    const snap = meter.snapshot();
    expect(snap.actor).toMatchObject({ calls: 3, errors: 0, retries: 1, prompt_tokens: 33, completion_tokens: 21 });
    expect(snap.judge).toMatchObject({ calls: 2, errors: 1, retries: 0, prompt_tokens: 2, completion_tokens: 3 });
    expect(snap.unknown).toMatchObject({ calls: 1, prompt_tokens: 11, completion_tokens: 7 });
    expect(meter.totals()).toMatchObject({ calls: 6, errors: 1, retries: 1, prompt_tokens: 46, completion_tokens: 31 });
    expect(meter.totals().latency_ms).toBeGreaterThanOrEqual(0);
  });
});

describe("llm - client transports", () => {
  it("llm - with no url the given transport is used (the embedded simulated LLM)", async () => {
    const urls: string[] = [];
    const transport = {
      post: async (req: { url: string }) => {
        urls.push(req.url);
        return { status: 200, header: () => null, json: async () => completion("sim") };
      },
    };
    const r = await createLlmResource(config([]), { transport }).chat(hi);
    expect(r.content).toBe("sim");
    expect(urls).toEqual(["sim://embedded/v1/chat/completions"]);
    expect(() => createLlmResource(config([]))).toThrow(/no url/);
  });

  it("llm - a transport that ignores the signal still cannot outlive the timeout", async () => {
    let calls = 0;
    const transport = {
      post: () => {
        calls++;
        return new Promise<never>(() => {});
      },
    };
    const err = await rejection(createLlmResource(config([], { timeout_ms: 50, max_retries: 1 }), { transport }).chat(hi));
    expect(err.code).toBe("llm_unavailable");
    expect(calls).toBe(2);
  });
});
