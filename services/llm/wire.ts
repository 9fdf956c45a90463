// Request bodies and lenient response reading for the OpenAI chat completions endpoint.
import { approxTokens } from "./openai.ts";
import type { ChatMessage, ToolCall } from "./openai.ts";
import type { LlmResourceConfig } from "./config.ts";
import type { ChatCall } from "./types.ts";

/** The body of `POST /chat/completions`: call sampling wins over config; `extra_body` (config, then call) last. */
export function buildChatBody(config: LlmResourceConfig, call: ChatCall): Record<string, unknown> {
  const body: Record<string, unknown> = { model: config.model, messages: call.messages };
  Object.assign(body, config.sampling, call.sampling);
  if (call.tools !== undefined) body.tools = call.tools;
  if (call.tool_choice !== undefined) body.tool_choice = call.tool_choice;
  if (call.response_format !== undefined) body.response_format = call.response_format;
  if (call.seed !== undefined) body.seed = call.seed;
  // Like the OpenAI SDKs' extra_body: merged over everything else, so a server extension can replace a field.
  Object.assign(body, config.extra_body, call.extra_body);
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return body;
}

/** The part of a chat completion the client returns; `usage` is undefined when the server sent none. */
export type ChatReply = {
  content: string | null;
  tool_calls: ToolCall[];
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number } | undefined;
};

/** Reads a chat completion leniently; undefined when it has no `choices[0].message`. */
export function readChatReply(json: unknown): ChatReply | undefined {
  if (!isObject(json) || !Array.isArray(json.choices)) return undefined;
  const choice: unknown = json.choices[0];
  if (!isObject(choice) || !isObject(choice.message)) return undefined;
  const message = choice.message;
  const content = typeof message.content === "string" ? message.content : textOf(message.content);
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const tool_calls: ToolCall[] = [];
  for (const [i, c] of calls.entries()) {
    const fn = isObject(c) && isObject(c.function) ? c.function : undefined;
    if (fn === undefined || typeof fn.name !== "string") return undefined;
    const args = typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    const id = isObject(c) && typeof c.id === "string" ? c.id : `call_${i}`;
    tool_calls.push({ id, type: "function", function: { name: fn.name, arguments: args } });
  }
  const finish_reason = typeof choice.finish_reason === "string" ? choice.finish_reason : null;
  let usage: ChatReply["usage"];
  if (isObject(json.usage) && typeof json.usage.prompt_tokens === "number" && typeof json.usage.completion_tokens === "number") {
    usage = { prompt_tokens: json.usage.prompt_tokens, completion_tokens: json.usage.completion_tokens };
  }
  return { content, tool_calls, finish_reason, usage };
}

/** Token counts estimated from text, for servers that report no usage. */
export function estimateUsage(call: ChatCall, reply: ChatReply): { prompt_tokens: number; completion_tokens: number } {
  let prompt = call.messages.map(messageText).join("\n");
  if (call.tools !== undefined) prompt += JSON.stringify(call.tools);
  const completion = (reply.content ?? "") + reply.tool_calls.map((c) => c.function.name + c.function.arguments).join("");
  return { prompt_tokens: approxTokens(prompt), completion_tokens: approxTokens(completion) };
}

/** The error text an OpenAI-compatible server put in its body (`{error: {message}}`, `{detail}`, ...). */
export function serverMessage(json: unknown): string | undefined {
  if (typeof json === "string") return json;
  if (!isObject(json)) return undefined;
  const e = json.error;
  if (isObject(e) && typeof e.message === "string") return e.message;
  for (const v of [e, json.message, json.detail]) {
    if (typeof v === "string") return v;
  }
  return json.detail === undefined ? undefined : JSON.stringify(json.detail);
}

function messageText(m: ChatMessage): string {
  const calls = m.tool_calls?.map((c) => c.function.name + c.function.arguments).join("") ?? "";
  return (typeof m.content === "string" ? m.content : (textOf(m.content) ?? "")) + calls;
}

function textOf(content: unknown): string | null {
  if (!Array.isArray(content)) return null;
  const parts = content.flatMap((p: unknown) => (isObject(p) && typeof p.text === "string" ? [p.text] : []));
  return parts.length > 0 ? parts.join("") : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
