// Shared by the workflows: an LLM reply as a history turn, and reading turns back out of a history.
import type { Turn } from "../runtime/message/envelope.ts";
import type { ChatResult } from "../services/llm/types.ts";

/** The history turn recording one LLM call of `role`. */
export function llmTurn(role: string, res: ChatResult, meta?: Record<string, unknown>): Turn {
  const turn: Turn = {
    role,
    // null stays null: a reply that is only tool calls has no text.
    content: res.content,
    usage: { prompt_tokens: res.usage.prompt_tokens, completion_tokens: res.usage.completion_tokens },
    ms: res.ms,
    ok: true,
  };
  if (res.tool_calls.length > 0) turn.tool_calls = res.tool_calls;
  if (meta !== undefined) turn.meta = meta;
  return turn;
}

/** A turn's content as text ("" for non-text content). */
export function turnText(turn: Turn | undefined): string {
  return typeof turn?.content === "string" ? turn.content : "";
}

/** The last turn of `role` in the history. */
export function lastTurnOf(history: readonly Turn[], role: string): Turn | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    if (history[i]!.role === role) return history[i];
  }
  return undefined;
}

/** Prompt and completion tokens summed over every turn that recorded usage. */
export function tokenTotals(history: readonly Turn[]): { prompt: number; completion: number } {
  let prompt = 0;
  let completion = 0;
  for (const t of history) {
    if (!t.usage) continue;
    prompt += t.usage.prompt_tokens;
    completion += t.usage.completion_tokens;
  }
  return { prompt, completion };
}

/** A plain object (a dataset row), or undefined. */
export function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/** Rounds a metric for the summary line. */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `num / den`, or 0 when there is nothing to divide. */
export function ratio(num: number, den: number): number {
  return den === 0 ? 0 : round(num / den);
}
