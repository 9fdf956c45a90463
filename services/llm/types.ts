// What a workflow handler sees of an LLM resource: one `chat` call with usage and timing.
import type { ChatMessage, Sampling, ToolCall, ToolSpec } from "./openai.ts";

export type ChatCall = {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  tool_choice?: unknown;
  /** Overrides of the resource's configured sampling (temperature, top_p, max_tokens, stop, ...). */
  sampling?: Sampling;
  response_format?: unknown;
  /** Extra body fields passed through unchanged (vLLM extensions, for example). */
  extra_body?: Record<string, unknown>;
  /** Request seed; defaults to the task's seed mixed with the turn. */
  seed?: number;
};

export type ChatResult = {
  content: string | null;
  tool_calls: ToolCall[];
  finish_reason: string | null;
  usage: { prompt_tokens: number; completion_tokens: number };
  /** Wall time of the successful attempt plus retries (ms). */
  ms: number;
  /** Which endpoint answered. */
  url: string;
  attempts: number;
};

export type ChatOptions = {
  signal?: AbortSignal;
  /** Sticky-routing key (the task id): every turn of a task goes to the same replica when it can. */
  key?: string;
  /** Accounting label (the role), for token usage per role. */
  role?: string;
};

/** One named LLM resource (`llm.<name>` in config). */
export interface LlmResource {
  readonly name: string;
  readonly model: string;
  chat(call: ChatCall, opts?: ChatOptions): Promise<ChatResult>;
  /** Stops following the replica set (a resource that names a service); idempotent. */
  close?(): void;
}
