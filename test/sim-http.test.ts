// Tests of the simulated LLM over real HTTP on 127.0.0.1: routes, errors, SSE, metrics, faults, the openai client.
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { startSimServer, type SimServer } from "../services/sim/server.ts";
import type { SimOptionsInput } from "../services/sim/options.ts";
import { until } from "./sim-helpers.ts";

const servers: SimServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(options: SimOptionsInput = {}): Promise<SimServer> {
  const s = await startSimServer({ options: { time_scale: 500, ...options } });
  servers.push(s);
  return s;
}

function post(s: SimServer, path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${s.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

/** The `data:` payloads of an SSE body. */
async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => block.slice("data: ".length));
}

const user = (content: string) => [{ role: "user", content }];

describe("sim http", () => {
  it("sim http - serves health, models and a chat completion", async () => {
    const s = await start({ model: "tiny" });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/v1`);
    expect((await fetch(`${s.origin}/health`)).status).toBe(200);
    const models = (await (await fetch(`${s.url}/models`)).json()) as { object: string; data: { id: string }[] };
    expect(models.object).toBe("list");
    expect(models.data.map((m) => m.id)).toEqual(["tiny"]);
    const res = await post(s, "/chat/completions", { model: "tiny", messages: user("hello"), seed: 1 });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const body = (await res.json()) as { object: string; model: string; usage: { completion_tokens: number } };
    expect(body).toMatchObject({ object: "chat.completion", model: "tiny" });
    const completion = await post(s, "/completions", { model: "tiny", prompt: "Once", max_tokens: 3 });
    expect(await completion.json()).toMatchObject({ object: "text_completion", usage: { completion_tokens: 3 } });
  });

  it("sim http - error bodies: unknown model 404, bad JSON and bad fields 400, unknown route 404", async () => {
    const s = await start();
    const notFound = await post(s, "/chat/completions", { model: "other", messages: user("hi") });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({
      error: { message: "The model `other` does not exist.", type: "not_found_error", param: "model", code: "model_not_found" },
    });
    const badJson = await post(s, "/chat/completions", "{not json");
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_body" } });
    const badField = await post(s, "/chat/completions", { model: "sim", messages: "hi" });
    expect(badField.status).toBe(400);
    expect(await badField.json()).toMatchObject({ error: { param: "messages" } });
    const route = await fetch(`${s.url}/embeddings`, { method: "POST", body: "{}" });
    expect(route.status).toBe(404);
    expect(await route.json()).toMatchObject({ error: { type: "not_found_error" } });
  });

  it("sim http - injected 429 carries Retry-After, injected errors are 500", async () => {
    const limited = await start({ rate_429: 1, retry_after_s: 7 });
    const r = await post(limited, "/chat/completions", { model: "sim", messages: user("hi") });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("7");
    expect(await r.json()).toMatchObject({ error: { type: "rate_limit_error", code: "rate_limit_exceeded" } });
    const broken = await start({ error_rate: 1 });
    const b = await post(broken, "/chat/completions", { model: "sim", messages: user("hi") });
    expect(b.status).toBe(500);
    expect(await b.json()).toMatchObject({ error: { type: "server_error" } });
  });

  it("sim http - streams SSE chunks that add up to the non-streamed reply", async () => {
    const s = await start({ output_len: { dist: "fixed", value: 60 } });
    const body = { model: "sim", messages: user("Tell me a story."), seed: 9 };
    const whole = (await (await post(s, "/chat/completions", body)).json()) as { choices: { message: { content: string } }[] };
    const res = await post(s, "/chat/completions", { ...body, stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const data = await sseData(res);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, any>);
    expect(chunks[0]!.choices[0].delta.role).toBe("assistant");
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    const text = chunks.flatMap((c) => c.choices.map((ch: any) => ch.delta.content ?? "")).join("");
    expect(text).toBe(whole.choices[0]!.message.content);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ completion_tokens: 60 });
    const finish = chunks.at(-2)!;
    expect(finish.choices[0].finish_reason).toBe("stop");
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    // Without include_usage, no usage chunk.
    const plain = (await sseData(await post(s, "/chat/completions", { ...body, stream: true }))).slice(0, -1).map((d) => JSON.parse(d));
    expect(plain.at(-1).choices[0].finish_reason).toBe("stop");
    expect(plain.some((c: Record<string, unknown>) => "usage" in c)).toBe(false);
  });

  it("sim http - streams text completions too", async () => {
    const s = await start();
    const data = await sseData(await post(s, "/completions", { model: "sim", prompt: "Once", max_tokens: 5, stream: true }));
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.every((c: { object: string }) => c.object === "text_completion")).toBe(true);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("length");
    expect(chunks.map((c: any) => c.choices[0].text).join("").length).toBe(20);
  });

  it("sim http - queues beyond max_num_seqs and never runs more", async () => {
    const s = await start({ max_num_seqs: 2, time_scale: 100, output_len: { dist: "fixed", value: 300 } });
    const all = Array.from({ length: 6 }, (_, i) => post(s, "/chat/completions", { model: "sim", messages: user(`q${i}`) }).then((r) => r.status));
    expect(await Promise.all(all)).toEqual([200, 200, 200, 200, 200, 200]);
    const st = s.engine.stats();
    expect(st.peak_running).toBe(2);
    expect(st.peak_waiting).toBeGreaterThan(0);
    expect(st.completed).toBe(6);
  });

  it("sim http - a client that disconnects leaves the batch", async () => {
    const s = await start({ time_scale: 1, output_len: { dist: "fixed", value: 5_000 } });
    const ctl = new AbortController();
    const pending = post(s, "/chat/completions", { model: "sim", messages: user("long") }, { signal: ctl.signal });
    await until(() => s.engine.stats().running === 1);
    ctl.abort();
    await expect(pending).rejects.toThrow();
    await until(() => s.engine.stats().running === 0);
    expect(s.engine.stats()).toMatchObject({ aborted: 1, completed: 0 });
  });

  it("sim http - a stream whose reader goes away leaves the batch", async () => {
    const s = await start({ time_scale: 10, output_len: { dist: "fixed", value: 20_000 }, max_model_len: 100_000 });
    const ctl = new AbortController();
    const res = await post(s, "/chat/completions", { model: "sim", messages: user("long"), stream: true }, { signal: ctl.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{/);
    expect(s.engine.stats().running).toBe(1);
    ctl.abort();
    await until(() => s.engine.stats().running === 0);
    expect(s.engine.stats()).toMatchObject({ aborted: 1, completed: 0 });
  });

  it("sim http - /metrics exposes vLLM-style Prometheus metrics", async () => {
    const s = await start({ model: "m1", output_len: { dist: "fixed", value: 10 } });
    for (let i = 0; i < 3; i++) await post(s, "/chat/completions", { model: "m1", messages: user(`hi ${i}`) });
    await post(s, "/chat/completions", { model: "nope", messages: user("hi") });
    const res = await fetch(`${s.origin}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('vllm:num_requests_running{model_name="m1"} 0');
    expect(text).toContain('vllm:num_requests_waiting{model_name="m1"} 0');
    expect(text).toContain('vllm:generation_tokens_total{model_name="m1"} 30');
    expect(text).toMatch(/vllm:prompt_tokens_total\{model_name="m1"\} \d+/);
    expect(text).toContain('vllm:request_success_total{model_name="m1",finished_reason="stop"} 3');
    expect(text).toContain('vllm:e2e_request_latency_seconds_count{model_name="m1"} 3');
    expect(text).toContain('vllm:request_errors_total{model_name="m1",status="404"} 1');
  });

  it("sim http - the official openai client: chat, streaming chat and a tool call", async () => {
    const s = await start();
    const client = new OpenAI({ baseURL: s.url, apiKey: "unused", maxRetries: 0 });
    const r = await client.chat.completions.create({ model: "sim", messages: [{ role: "user", content: "Hello there" }], seed: 4, max_tokens: 20 });
    expect(r.choices[0]!.message.content).toBeTruthy();
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(20);

    const stream = await client.chat.completions.create({
      model: "sim",
      messages: [{ role: "user", content: "Hello there" }],
      seed: 4,
      max_tokens: 20,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(r.choices[0]!.message.content);
    expect(usage?.completion_tokens).toBe(r.usage!.completion_tokens);

    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: "function",
        function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      },
    ];
    const t = await client.chat.completions.create({ model: "sim", messages: [{ role: "user", content: "Weather in Oslo?" }], tools, tool_choice: "required" });
    expect(t.choices[0]!.finish_reason).toBe("tool_calls");
    const call = t.choices[0]!.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("not a function call");
    expect(call.function.name).toBe("get_weather");
    expect(typeof (JSON.parse(call.function.arguments) as { city: unknown }).city).toBe("string");

    // The same tool call, streamed and accumulated by the client's helper.
    const runner = client.chat.completions.stream({ model: "sim", messages: [{ role: "user", content: "Weather in Oslo?" }], tools, tool_choice: "required" });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    if (streamed.type !== "function") throw new Error("not a function call");
    expect(streamed.function.arguments).toBe(call.function.arguments);

    await expect(client.chat.completions.create({ model: "missing", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 404 });
  });
});
