// Tests of the simulated LLM engine without a socket: determinism, lengths and caps, validation, faults, aborts.
import { afterEach, describe, expect, it } from "vitest";
import * as v from "valibot";
import { LlmResourceInput, compileLlmResource } from "../services/llm/config.ts";
import { createLlmResource } from "../services/llm/client.ts";
import type { SimEngine } from "../services/sim/engine.ts";
import { simTransport } from "../services/sim/transport.ts";
import { chat, chatBody, okJson, testEngine, until } from "./sim-helpers.ts";

const opened: SimEngine[] = [];
afterEach(async () => {
  for (const e of opened.splice(0)) await e.close();
});

describe("sim engine", () => {
  it("sim engine - answers an OpenAI-shaped chat completion", async () => {
    const e = testEngine({}, opened);
    const r = await chat(e, chatBody("Tell me about rivers."));
    expect(r.object).toBe("chat.completion");
    expect(r.id).toMatch(/^chatcmpl-/);
    expect(r.choices[0]!.message.role).toBe("assistant");
    expect(typeof r.choices[0]!.message.content).toBe("string");
    expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens + r.usage.completion_tokens);
    const s = e.stats();
    expect(s).toMatchObject({ requests: 1, completed: 1, errors: 0, running: 0, waiting: 0, peak_running: 1 });
    expect(s.prompt_tokens).toBe(r.usage.prompt_tokens);
    expect(s.completion_tokens).toBe(r.usage.completion_tokens);
    expect(s.slot_utilization).toBeGreaterThan(0);
    expect(s.slot_utilization).toBeLessThanOrEqual(1);
    expect(s.sim_elapsed_ms).toBeGreaterThan(0);
    expect(s.tokens_per_s).toBeGreaterThan(0);
  });

  it("sim engine - the same body and seed give the same content and usage", async () => {
    const a = testEngine({ seed: 3 }, opened);
    const b = testEngine({ seed: 3 }, opened);
    const body = chatBody("Explain tides.", { seed: 42 });
    const r1 = await chat(a, body);
    const r2 = await chat(a, body);
    const r3 = await chat(b, body);
    for (const r of [r2, r3]) {
      expect(r.choices[0]!.message.content).toBe(r1.choices[0]!.message.content);
      expect(r.usage).toEqual(r1.usage);
    }
    const unseeded = await chat(a, chatBody("Explain tides."));
    expect((await chat(b, chatBody("Explain tides."))).choices[0]!.message.content).toBe(unseeded.choices[0]!.message.content);
    const seeds = new Set<string>();
    for (let s = 0; s < 5; s++) seeds.add((await chat(a, chatBody("Explain tides.", { seed: s }))).choices[0]!.message.content!);
    expect(seeds.size).toBeGreaterThan(1);
  });

  it("sim engine - counts prompt tokens at about four characters over messages and tools", async () => {
    const e = testEngine({}, opened);
    const r = await chat(e, chatBody("x".repeat(400)));
    expect(r.usage.prompt_tokens).toBe(100);
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }];
    const withTools = await chat(e, chatBody("x".repeat(400), { tools, tool_choice: "none" }));
    expect(withTools.usage.prompt_tokens).toBe(100 + Math.ceil(JSON.stringify(tools).length / 4));
  });

  it("sim engine - fixed lengths are exact, uniform and lognormal stay in bounds", async () => {
    const fixed = testEngine({ output_len: { dist: "fixed", value: 37 } }, opened);
    for (let s = 0; s < 10; s++) {
      const r = await chat(fixed, chatBody("Say something.", { seed: s }));
      expect(r.usage.completion_tokens).toBe(37);
      expect(r.choices[0]!.finish_reason).toBe("stop");
      expect(r.choices[0]!.message.content!.length).toBe(37 * 4);
    }
    const uniform = testEngine({ max_num_seqs: 64, output_len: { dist: "uniform", min: 10, max: 30 } }, opened);
    const lens = await Promise.all(
      Array.from({ length: 60 }, async (_, s) => (await chat(uniform, chatBody("Say something.", { seed: s }))).usage.completion_tokens),
    );
    expect(Math.min(...lens)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...lens)).toBeLessThanOrEqual(30);
    expect(new Set(lens).size).toBeGreaterThan(5);

    const lognormal = testEngine({ max_num_seqs: 256, output_len: { dist: "lognormal", median: 50, sigma: 0.8, min: 5, max: 400 } }, opened);
    const logs = await Promise.all(
      Array.from({ length: 200 }, async (_, s) => (await chat(lognormal, chatBody("Say something.", { seed: s, max_tokens: 1000 }))).usage.completion_tokens),
    );
    const sorted = [...logs].sort((a, b) => a - b);
    expect(sorted[0]!).toBeGreaterThanOrEqual(5);
    expect(sorted.at(-1)!).toBeLessThanOrEqual(400);
    const median = sorted[100]!;
    expect(median).toBeGreaterThan(35);
    expect(median).toBeLessThan(70);
    // A long tail: the top percent is several times the median.
    expect(sorted[197]!).toBeGreaterThan(2.5 * median);
  });

  it("sim engine - max_tokens, max_completion_tokens and the context cap the length with finish_reason length", async () => {
    const e = testEngine({ output_len: { dist: "fixed", value: 100 }, max_model_len: 200 }, opened);
    const capped = await chat(e, chatBody("Say something.", { max_tokens: 7 }));
    expect(capped.usage.completion_tokens).toBe(7);
    expect(capped.choices[0]!.finish_reason).toBe("length");
    expect(capped.choices[0]!.message.content!.length).toBeLessThanOrEqual(28);
    const both = await chat(e, chatBody("Say something.", { max_tokens: 50, max_completion_tokens: 9 }));
    expect(both.usage.completion_tokens).toBe(9);
    const roomy = await chat(e, chatBody("Say something.", { max_tokens: 100 }));
    expect(roomy.choices[0]!.finish_reason).toBe("stop");
    // 560 characters = 140 prompt tokens: 60 remain of max_model_len 200.
    const ctx = await chat(e, chatBody("y".repeat(560)));
    expect(ctx.usage.prompt_tokens).toBe(140);
    expect(ctx.usage.completion_tokens).toBe(60);
    expect(ctx.choices[0]!.finish_reason).toBe("length");
  });

  it("sim engine - rejects unknown models, invalid bodies and long prompts with OpenAI-style errors", async () => {
    const e = testEngine({ max_model_len: 100 }, opened);
    const notFound = await e.handle("chat", { model: "gpt-x", messages: [{ role: "user", content: "hi" }] });
    expect(notFound).toMatchObject({ kind: "json", status: 404, body: { error: { type: "not_found_error", code: "model_not_found" } } });
    const noMessages = await e.handle("chat", { model: "sim" });
    expect(noMessages).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", code: "invalid_body", param: "messages" } } });
    const badRole = await e.handle("chat", chatBody([{ role: "robot" as "user", content: "hi" }]));
    expect(badRole).toMatchObject({ status: 400, body: { error: { param: "messages.0.role" } } });
    const badMax = await e.handle("chat", chatBody("hi", { max_tokens: 0 }));
    expect(badMax).toMatchObject({ status: 400, body: { error: { param: "max_tokens" } } });
    const notJson = await e.handle("chat", undefined);
    expect(notJson).toMatchObject({ status: 400, body: { error: { message: "request body must be a JSON object" } } });
    const long = await e.handle("chat", chatBody("z".repeat(400)));
    expect(long).toMatchObject({ status: 400, body: { error: { code: "context_length_exceeded" } } });
    const n2 = await e.handle("chat", chatBody("hi", { n: 2 }));
    expect(n2).toMatchObject({ status: 400, body: { error: { param: "n" } } });
    expect(e.stats()).toMatchObject({ requests: 7, errors: 7, completed: 0 });
  });

  it("sim engine - text completions default to 16 tokens", async () => {
    const e = testEngine({ output_len: { dist: "fixed", value: 100 } }, opened);
    const res = await e.handle("completions", { model: "sim", prompt: "Once upon a time" });
    if (res.kind !== "json") throw new Error("stream");
    expect(res.body).toMatchObject({ object: "text_completion", choices: [{ index: 0, finish_reason: "length" }], usage: { completion_tokens: 16 } });
  });

  it("sim engine - injected faults: 500, 429 with Retry-After, reproducible by seed", async () => {
    const e500 = testEngine({ error_rate: 1 }, opened);
    expect(await e500.handle("chat", chatBody("hi"))).toMatchObject({ status: 500, body: { error: { type: "server_error" } } });
    const e429 = testEngine({ rate_429: 1, retry_after_s: 2 }, opened);
    const r429 = await e429.handle("chat", chatBody("hi"));
    expect(r429).toMatchObject({ status: 429, headers: { "retry-after": "2" }, body: { error: { type: "rate_limit_error" } } });
    expect(e429.stats()).toMatchObject({ errors: 1, rate_limited: 1 });

    const pattern = async (seed: number) => {
      const e = testEngine({ error_rate: 0.3, rate_429: 0.2, seed }, opened);
      const out: number[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await e.handle("chat", chatBody("same body"));
        out.push(r.status);
      }
      return out;
    };
    const p1 = await pattern(5);
    expect(await pattern(5)).toEqual(p1);
    expect(p1).toContain(200);
    expect(p1).toContain(500);
    expect(p1).toContain(429);
  });

  it("sim engine - latency spikes delay requests but they complete", async () => {
    const e = testEngine({ spike_rate: 1, spike_ms: 5_000 }, opened);
    const r = await chat(e, chatBody("hi"));
    expect(r.choices[0]!.finish_reason).toBe("stop");
  });

  it("sim engine - an aborted request leaves the batch and rejects", async () => {
    const e = testEngine({ time_scale: 1, output_len: { dist: "fixed", value: 10_000 }, max_model_len: 100_000 }, opened);
    const ctl = new AbortController();
    const pending = e.handle("chat", chatBody("a long one"), { signal: ctl.signal });
    await until(() => e.stats().running === 1);
    ctl.abort(new Error("caller gone"));
    await expect(pending).rejects.toThrow("caller gone");
    expect(e.stats()).toMatchObject({ running: 0, waiting: 0, aborted: 1, completed: 0 });
  });

  it("sim engine - close answers requests in flight with 503", async () => {
    const e = testEngine({ time_scale: 1, output_len: { dist: "fixed", value: 10_000 }, max_model_len: 100_000 });
    const pending = e.handle("chat", chatBody("a long one"));
    await until(() => e.stats().running === 1);
    await e.close();
    expect(await pending).toMatchObject({ status: 503, body: { error: { code: "shutting_down" } } });
    expect(await e.handle("chat", chatBody("late"))).toMatchObject({ status: 503 });
    await e.close();
  });

  it("sim engine - the in-process transport serves the LLM client", async () => {
    const e = testEngine({ output_len: { dist: "fixed", value: 12 } }, opened);
    const config = compileLlmResource(
      "judge",
      v.parse(LlmResourceInput, { url: null, model: "sim", timeout_s: 60, max_retries: 0, backoff: { initial_ms: 1, max_ms: 1, multiplier: 1 } }),
    );
    const llm = createLlmResource(config, { transport: simTransport(e) });
    const r = await llm.chat({ messages: [{ role: "user", content: "hello" }], seed: 1 });
    expect(r.usage.completion_tokens).toBe(12);
    expect(r.finish_reason).toBe("stop");
    const t = simTransport(e);
    const stream = await t.post({ url: "sim://embedded/v1/chat/completions", body: chatBody("hi", { stream: true }), headers: {}, signal: new AbortController().signal });
    expect(stream.status).toBe(400);
    const nowhere = await t.post({ url: "sim://embedded/v1/embeddings", body: {}, headers: {}, signal: new AbortController().signal });
    expect(nowhere.status).toBe(404);
    const limited = testEngine({ rate_429: 1, retry_after_s: 3 }, opened);
    const r429 = await simTransport(limited).post({ url: "sim://x/v1/chat/completions", body: chatBody("hi"), headers: {}, signal: new AbortController().signal });
    expect(r429.status).toBe(429);
    expect(r429.header("Retry-After")).toBe("3");
    expect(okJson({ kind: "json", status: 200, headers: {}, body: await (await t.post({ url: "sim://e/v1/chat/completions", body: chatBody("x"), headers: {}, signal: new AbortController().signal })).json() }).object).toBe("chat.completion");
  });

  it("sim engine - in-process calls time out in the engine: the request leaves the batch, the client retries and then reports llm_timeout", async () => {
    const e = testEngine({ fixed_latency_ms: 3_000, time_scale: 1 }, opened);
    const config = compileLlmResource(
      "judge",
      v.parse(LlmResourceInput, { url: null, model: "sim", timeout_s: 0.1, max_retries: 1, backoff: { initial_ms: 1, max_ms: 1, multiplier: 1 } }),
    );
    const llm = createLlmResource(config, { transport: simTransport(e) });
    const started = performance.now();
    const err = await llm.chat({ messages: [{ role: "user", content: "hello" }], seed: 1 }).then(
      () => undefined,
      (x: unknown) => x as Error & { code: string; cause: Error & { code: string } },
    );
    expect(err?.code).toBe("llm_unavailable");
    expect(err?.cause.code).toBe("llm_timeout");
    expect(err?.cause.message).toMatch(/within 100 ms/);
    // Two attempts of 100 ms each, not the 3 s the engine would have taken.
    expect(performance.now() - started).toBeLessThan(2_500);
    const s = e.stats();
    expect(s).toMatchObject({ requests: 2, completed: 0, aborted: 2, running: 0, waiting: 0 });

    // The caller's signal still cancels an in-process call at once, and a call within its timeout answers.
    const ctl = new AbortController();
    const slow = testEngine({ fixed_latency_ms: 5_000, time_scale: 1 }, opened);
    const patient = createLlmResource(
      compileLlmResource("judge", v.parse(LlmResourceInput, { url: null, model: "sim", timeout_s: 60, max_retries: 0 })),
      { transport: simTransport(slow) },
    );
    const pending = patient.chat({ messages: [{ role: "user", content: "hi" }] }, { signal: ctl.signal }).then(
      () => "answered",
      (x: unknown) => (x as { code?: string }).code ?? String(x),
    );
    await until(() => slow.stats().running === 1);
    ctl.abort(new Error("stop"));
    expect(await pending).not.toBe("answered");
    expect(slow.stats()).toMatchObject({ running: 0, aborted: 1 });
    const quick = testEngine({ fixed_latency_ms: 20, time_scale: 1 }, opened);
    const ok = await createLlmResource(config, { transport: simTransport(quick) }).chat({ messages: [{ role: "user", content: "hi" }] });
    expect(ok.attempts).toBe(1);
  });
});
