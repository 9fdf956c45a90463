// OpenAI-shaped bodies of the simulated LLM: completions, stream chunks, usage, the model list.
import type { Composed } from "./compose.ts";
import type { SimRoute } from "./request.ts";

export type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };

/** Identity of one response, shared by all its chunks. */
export type ResponseHead = { id: string; created: number; model: string; route: SimRoute };

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** The non-streamed body: `chat.completion` or `text_completion`. */
export function completionBody(head: ResponseHead, reply: Composed, usage: Usage): Record<string, unknown> {
  if (head.route === "completions") {
    return {
      id: head.id,
      object: "text_completion",
      created: head.created,
      model: head.model,
      choices: [{ index: 0, text: reply.content ?? "", logprobs: null, finish_reason: reply.finish_reason }],
      usage,
    };
  }
  const message: Record<string, unknown> = { role: "assistant", content: reply.content };
  if (reply.tool_calls !== undefined) message.tool_calls = reply.tool_calls;
  return {
    id: head.id,
    object: "chat.completion",
    created: head.created,
    model: head.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: reply.finish_reason }],
    usage,
  };
}

/**
 * One stream chunk. `delta` is the chat delta (`{role}`, `{content}`, `{tool_calls}`; `{}` on the last chunk),
 * or for text completions `{text}`. With `include_usage`, every chunk carries `usage: null` as OpenAI's do.
 */
export function chunkBody(
  head: ResponseHead,
  delta: Record<string, unknown>,
  finishReason: string | null,
  includeUsage: boolean,
): Record<string, unknown> {
  const choice =
    head.route === "completions"
      ? { index: 0, text: (delta.text as string | undefined) ?? "", logprobs: null, finish_reason: finishReason }
      : { index: 0, delta, logprobs: null, finish_reason: finishReason };
  const body: Record<string, unknown> = {
    id: head.id,
    object: head.route === "completions" ? "text_completion" : "chat.completion.chunk",
    created: head.created,
    model: head.model,
    choices: [choice],
  };
  if (includeUsage) body.usage = null;
  return body;
}

/** The last chunk of a stream with `stream_options.include_usage`: no choices, the usage. */
export function usageChunk(head: ResponseHead, usage: Usage): Record<string, unknown> {
  return {
    id: head.id,
    object: head.route === "completions" ? "text_completion" : "chat.completion.chunk",
    created: head.created,
    model: head.model,
    choices: [],
    usage,
  };
}

/** `GET /v1/models`. */
export function modelList(model: string, maxModelLen: number, created: number): Record<string, unknown> {
  return {
    object: "list",
    data: [{ id: model, object: "model", created, owned_by: "matrix-sim", root: model, parent: null, max_model_len: maxModelLen }],
  };
}
