// Scripted content for the simulated LLM: deterministic replies per workflow, chosen by what the prompt asks.
import type { ChatMessage, ToolCall, ToolSpec } from "../llm/openai.ts";

export type ScriptRequest = {
  /** Chat messages (for `/v1/completions` the prompt arrives as one user message). */
  messages: ChatMessage[];
  tools: ToolSpec[] | undefined;
  /** The request's `tool_choice` ("auto", "none", "required", `{type: "function", function: {name}}`), if any. */
  toolChoice: unknown;
  /** Deterministic random source for this request (seeded from the engine seed, request seed and content). */
  rng: () => number;
  /** The request's derived seed (the same for the same body, seed and engine seed). */
  seed: number;
  /**
   * Output length sampled from the server's distribution, *before* any cap: a script that writes long text
   * pads to it, and the server cuts the text at `maxTokens` (finish_reason "length") as a real model stops.
   */
  targetTokens: number;
  /** The most tokens this request may produce (max_tokens, max_completion_tokens, what the context leaves). */
  maxTokens: number;
  /** The response_format of the request, if any (`{type: "json_object"}` and the like). */
  responseFormat: unknown;
  /** Probability of answering a tool-enabled request with a tool call (option `tool_call_rate`). */
  toolCallRate: number;
};

export type ScriptReply = {
  content: string | null;
  tool_calls?: ToolCall[];
  /**
   * Completion tokens to report and to time. When absent the server makes the content exactly `targetTokens`
   * long (padding it with filler prose or cutting it); scripts that size their own text, or give short answers
   * (yes/no, a letter, JSON), set it.
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

/** The last message's role, or undefined for an empty chat. */
export function lastRole(req: ScriptRequest): ChatMessage["role"] | undefined {
  return req.messages[req.messages.length - 1]?.role;
}

/** The first user message's text. */
export function firstUserText(req: ScriptRequest): string {
  const m = req.messages.find((x) => x.role === "user");
  return m ? messageText(m) : "";
}

/** The last user message's text. */
export function lastUserText(req: ScriptRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i]!;
    if (m.role === "user") return messageText(m);
  }
  return "";
}
