// Tests of batch inference: the row formats it reads, the rows it rejects, its output row and its summary.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { MatrixError } from "../runtime/errors.ts";
import { inference as wf } from "../workflows/inference/index.ts";
import { InferenceParams } from "../workflows/inference/params.ts";
import { buildCall } from "../workflows/inference/request.ts";
import { reply, runTask } from "./wf-fixtures.ts";

const params = (over: Record<string, unknown> = {}) => v.parse(InferenceParams, over);
const user = (content: string) => ({ role: "user", content });

describe("inference - row formats", () => {
  it("inference - reads request.messages, top-level messages and OpenAI batch body.messages", () => {
    const messages = [user("Hi")];
    for (const row of [{ request: { messages } }, { messages }, { custom_id: "c1", method: "POST", body: { model: "m", messages } }]) {
      expect(buildCall(row, params()).messages).toEqual(messages);
    }
  });

  it("inference - a text row becomes one user message, under the configured text key", () => {
    expect(buildCall({ text: "Write a haiku." }, params()).messages).toEqual([user("Write a haiku.")]);
    expect(buildCall({ prompt: "Hello" }, params({ text_key: "prompt" })).messages).toEqual([user("Hello")]);
  });

  it("inference - the configured system prompt is prepended only to rows without one", () => {
    const p = params({ system_prompt: "Be brief." });
    expect(buildCall({ text: "x" }, p).messages).toEqual([{ role: "system", content: "Be brief." }, user("x")]);
    const own = [{ role: "system", content: "Be verbose." }, user("x")];
    expect(buildCall({ request: { messages: own } }, p).messages).toEqual(own);
  });

  it("inference - per-row sampling, seed, tools and response_format pass through; other keys do not", () => {
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
    const call = buildCall(
      { request: { messages: [user("x")], temperature: 0, max_completion_tokens: 64, top_p: 0.9, seed: 5, tools, response_format: { type: "json_object" }, model: "ignored" } },
      params(),
    );
    expect(call).toEqual({ messages: [user("x")], tools, response_format: { type: "json_object" }, seed: 5, sampling: { temperature: 0, top_p: 0.9, max_tokens: 64 } });
    expect(buildCall({ body: { messages: [user("x")], max_tokens: 8, max_completion_tokens: 64 } }, params()).sampling).toEqual({ max_tokens: 8 });
  });

  it("inference - bad rows are rejected by init with bad_input", () => {
    const bad: unknown[] = [
      "text",
      [],
      {},
      { text: "" },
      { request: { messages: [] } },
      { messages: [{ role: "robot", content: "x" }] },
      { messages: "hello" },
      { messages: [user("x")], tools: [{ type: "function" }] },
    ];
    for (const row of bad) {
      let err: unknown;
      try {
        wf.init(row, params());
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(row)).toBeInstanceOf(MatrixError);
      expect((err as MatrixError).code).toBe("bad_input");
    }
  });
});

describe("inference - output and metrics", () => {
  it("inference - one call per row; the row keeps id, response, finish reason and usage", async () => {
    const { roles, row, calls } = await runTask(wf, params(), { id: "r1", text: "Hi" }, () => "Hello!");
    expect(roles).toEqual(["infer"]);
    expect(calls).toHaveLength(1);
    expect(row).toMatchObject({ status: "ok", id: "r1", response: "Hello!", finish_reason: "stop", error: null });
    expect(row.usage).toEqual({ prompt_tokens: 20, completion_tokens: 5 });
    expect("tool_calls" in row).toBe(false);
  });

  it("inference - custom_id names a batch row; tool calls are kept (a tool-call-only reply has a null response)", async () => {
    const toolCall = { id: "c1", type: "function" as const, function: { name: "lookup", arguments: "{}" } };
    const res = { ...reply(null), tool_calls: [toolCall], finish_reason: "tool_calls" };
    const { row } = await runTask(wf, params(), { custom_id: "b-7", body: { messages: [user("x")] } }, () => res);
    expect(row).toMatchObject({ id: "b-7", response: null, finish_reason: "tool_calls", tool_calls: [toolCall] });
  });

  it("inference - the summary counts rows, errors, mean tokens and finish reasons", async () => {
    const m = wf.metrics();
    m.add((await runTask(wf, params(), { text: "a" }, () => "x")).row);
    m.add((await runTask(wf, params(), { text: "b" }, () => ({ ...reply("y", { prompt_tokens: 40, completion_tokens: 15 }), finish_reason: "length" }))).row);
    m.add({ status: "error", error: { code: "bad_input" } });
    expect(m.summary()).toEqual({
      rows: 3,
      ok: 2,
      errors: 1,
      mean_prompt_tokens: 30,
      mean_completion_tokens: 10,
      length_share: 0.5,
      finish_length: 1,
      finish_stop: 1,
    });
  });
});
