// Scripted content for the simulated LLM: deterministic replies per workflow, chosen by what the prompt asks.
import type { ChatMessage, ToolCall, ToolSpec } from "../llm/openai.ts";

export type ScriptRequest = {
  /** Chat messages (for `/v1/completions` the prompt arrives as one user message). */
  messages: ChatMessage[];
  tools: ToolSpec[] | undefined;
  /** Deterministic random source for this request (seeded from the request seed and its content). */
  rng: () => number;
  /** Output length sampled from the server's distribution, already capped by max_tokens. */
  targetTokens: number;
  maxTokens: number;
  /** The response_format of the request, if any (`{type: "json_object"}` and the like). */
  responseFormat: unknown;
};

export type ScriptReply = {
  content: string | null;
  tool_calls?: ToolCall[];
  /**
   * Completion tokens to report and to time. When absent the server uses `targetTokens` and pads `content`
   * with filler words to that length; scripts for short answers (yes/no, JSON) set it.
   */
  tokens?: number;
  finish_reason?: "stop" | "length" | "tool_calls";
};

/** A script recognises requests it serves (`match`) and writes their reply. First match wins. */
export type Script = {
  name: string;
  match(req: ScriptRequest): boolean;
  reply(req: ScriptRequest): ScriptReply;
};

/** Text of a message's content (strings or text parts). */
export function messageText(m: ChatMessage): string {
  if (typeof m.content === "string") return m.content;
  if (Array.isArray(m.content)) return m.content.map((p) => p.text ?? "").join("");
  return "";
}

/** The system prompt, or "" when there is none. */
export function systemText(req: ScriptRequest): string {
  const sys = req.messages.find((m) => m.role === "system" || m.role === "developer");
  return sys ? messageText(sys) : "";
}

/** The last user message's text. */
export function lastUserText(req: ScriptRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i]!;
    if (m.role === "user") return messageText(m);
  }
  return "";
}
