// A tau2 conversation in the message: routing state, stop tokens, tool-result turns and the writes they applied.
import type { Turn } from "../../runtime/message/envelope.ts";
import type { ToolCall } from "../../services/llm/openai.ts";
import { isWrite, type ToolInvocation, type Toolkit } from "./toolkit.ts";

export const USER = "user";
export const ASSISTANT = "assistant";
export const TOOLS = "tools";
export const REWARD = "reward";

/** Why a conversation ended. */
export const TERMINATIONS = ["user_stop", "user_transfer", "user_out_of_scope", "agent_transfer", "max_steps"] as const;
export type Termination = (typeof TERMINATIONS)[number];

/** The routing state: messages so far and, once known, why the conversation ended. */
export type Tau2State = { steps: number; termination: Termination | null };

export function readState(state: Record<string, unknown>): Tau2State {
  return { steps: (state.steps as number | undefined) ?? 0, termination: (state.termination as Termination | null | undefined) ?? null };
}

const STOP_TOKENS: Array<[string, Termination]> = [
  ["###STOP###", "user_stop"],
  ["###TRANSFER###", "user_transfer"],
  ["###OUT-OF-SCOPE###", "user_out_of_scope"],
];

/** The termination a user-simulator message asks for, or null to go on. */
export function userStop(text: string): Termination | null {
  for (const [token, reason] of STOP_TOKENS) if (text.includes(token)) return reason;
  return null;
}

/** One tool call and what it returned, as a `tools` turn records it. */
export type ToolResult = {
  tool_call_id: string;
  name: string;
  /** Parsed arguments (null when the model's JSON did not parse). */
  arguments: Record<string, unknown> | null;
  ok: boolean;
  content: string;
  timed_out?: boolean;
};

/** The results of a `tools` turn. */
export function toolResults(turn: Turn): ToolResult[] {
  return turn.role === TOOLS && Array.isArray(turn.content) ? (turn.content as ToolResult[]) : [];
}

/** The tool calls of the last assistant turn. */
export function pendingCalls(history: readonly Turn[]): ToolCall[] {
  for (let i = history.length - 1; i >= 0; i--) {
    const t = history[i]!;
    if (t.role === ASSISTANT) return (t.tool_calls ?? []) as ToolCall[];
  }
  return [];
}

/** Every write call that succeeded, in order: with the task's initial state they rebuild its database. */
export function appliedWrites(history: readonly Turn[], kit: Toolkit): ToolInvocation[] {
  const out: ToolInvocation[] = [];
  for (const t of history) {
    for (const r of toolResults(t)) if (r.ok && r.arguments && isWrite(kit, r.name)) out.push({ name: r.name, arguments: r.arguments });
  }
  return out;
}

/** Parses a tool call's JSON arguments; a string that is not a JSON object gives null. */
export function parseArguments(call: ToolCall): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(call.function.arguments || "{}");
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
