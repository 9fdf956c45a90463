// Tests of chat body building and lenient response reading.
import { describe, expect, it } from "vitest";
import type { LlmResourceConfig } from "../services/llm/config.ts";
import { buildChatBody, estimateUsage, readChatReply, serverMessage } from "../services/llm/wire.ts";

const config: LlmResourceConfig = {
  name: "x",
  urls: ["http://h/v1"],
  model: "m",
  api_key_env: null,
  sampling: { temperature: 0.5 },
  timeout_ms: 1_000,
  max_retries: 0,
  extra_body: { model: "override" },
  backoff: { initial_ms: 1, max_ms: 1, multiplier: 2 },
  max_concurrency: 0,
};

describe("llm - wire", () => {
  it("llm - extra_body goes last and undefined fields are dropped", () => {
    const body = buildChatBody(config, { messages: [], sampling: { temperature: undefined, top_p: 0.5 } });
    expect(body).toEqual({ model: "override", messages: [], top_p: 0.5 });
  });

  it.each<[string, unknown, boolean]>([
    ["no choices", {}, false],
    ["empty choices", { choices: [] }, false],
    ["no message", { choices: [{ finish_reason: "stop" }] }, false],
    ["bad tool call", { choices: [{ message: { content: null, tool_calls: [{ id: "a" }] } }] }, false],
    ["minimal", { choices: [{ message: {} }] }, true],
  ])("llm - reads %s", (_name, json, valid) => {
    expect(readChatReply(json) !== undefined).toBe(valid);
  });

  it("llm - fills missing tool call ids and stringifies object arguments", () => {
    const r = readChatReply({
      choices: [{ message: { content: null, tool_calls: [{ function: { name: "f", arguments: { a: 1 } } }] }, finish_reason: "tool_calls" }],
    });
    expect(r).toEqual({
      content: null,
      tool_calls: [{ id: "call_0", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
      finish_reason: "tool_calls",
      usage: undefined,
    });
  });

  it("llm - estimates usage from text when the server sends none", () => {
    const reply = { content: "abcdefgh", tool_calls: [], finish_reason: "stop", usage: undefined };
    expect(estimateUsage({ messages: [{ role: "user", content: "abcd" }] }, reply)).toEqual({ prompt_tokens: 1, completion_tokens: 2 });
  });

  it.each<[unknown, string | undefined]>([
    [{ error: { message: "m1" } }, "m1"],
    [{ error: "m2" }, "m2"],
    [{ message: "m3" }, "m3"],
    [{ detail: "m4" }, "m4"],
    [{ detail: [{ loc: ["body"], msg: "bad" }] }, '[{"loc":["body"],"msg":"bad"}]'],
    ["plain", "plain"],
    [undefined, undefined],
  ])("llm - server message of %j", (json, expected) => {
    expect(serverMessage(json)).toBe(expected);
  });
});
