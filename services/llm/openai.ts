// OpenAI-compatible chat wire types shared by the LLM client and the simulated LLM.
import * as v from "valibot";

export const ToolCall = v.object({
  id: v.string(),
  type: v.literal("function"),
  function: v.object({ name: v.string(), arguments: v.string() }),
});
export type ToolCall = v.InferOutput<typeof ToolCall>;

export const ChatMessage = v.looseObject({
  role: v.picklist(["system", "user", "assistant", "tool", "developer"]),
  content: v.nullish(v.union([v.string(), v.array(v.looseObject({ type: v.string(), text: v.optional(v.string()) }))])),
  name: v.optional(v.string()),
  tool_calls: v.optional(v.array(ToolCall)),
  tool_call_id: v.optional(v.string()),
});
export type ChatMessage = v.InferOutput<typeof ChatMessage>;

export const ToolSpec = v.object({
  type: v.literal("function"),
  function: v.looseObject({
    name: v.string(),
    description: v.optional(v.string()),
    parameters: v.optional(v.record(v.string(), v.unknown())),
  }),
});
export type ToolSpec = v.InferOutput<typeof ToolSpec>;

/** Sampling parameters, named as in OpenAI's and vLLM's APIs. */
export const Sampling = v.looseObject({
  temperature: v.optional(v.number()),
  top_p: v.optional(v.number()),
  max_tokens: v.optional(v.number()),
  stop: v.optional(v.union([v.string(), v.array(v.string())])),
  presence_penalty: v.optional(v.number()),
  frequency_penalty: v.optional(v.number()),
  n: v.optional(v.number()),
});
export type Sampling = v.InferOutput<typeof Sampling>;

export const ChatRequest = v.looseObject({
  model: v.string(),
  messages: v.array(ChatMessage),
  tools: v.optional(v.array(ToolSpec)),
  tool_choice: v.optional(v.unknown()),
  seed: v.optional(v.number()),
  stream: v.optional(v.boolean()),
  response_format: v.optional(v.unknown()),
  temperature: v.optional(v.number()),
  top_p: v.optional(v.number()),
  max_tokens: v.optional(v.number()),
  max_completion_tokens: v.optional(v.number()),
});
export type ChatRequest = v.InferOutput<typeof ChatRequest>;

export const UsageInfo = v.looseObject({
  prompt_tokens: v.number(),
  completion_tokens: v.number(),
  total_tokens: v.number(),
});
export type UsageInfo = v.InferOutput<typeof UsageInfo>;

export const ChatChoice = v.looseObject({
  index: v.number(),
  message: v.looseObject({
    role: v.literal("assistant"),
    content: v.nullable(v.string()),
    tool_calls: v.optional(v.array(ToolCall)),
  }),
  finish_reason: v.nullable(v.string()),
});

export const ChatResponse = v.looseObject({
  id: v.string(),
  object: v.literal("chat.completion"),
  created: v.number(),
  model: v.string(),
  choices: v.array(ChatChoice),
  usage: v.optional(UsageInfo),
});
export type ChatResponse = v.InferOutput<typeof ChatResponse>;

/** Rough token count used where no tokenizer is at hand (about four characters a token). */
export function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
