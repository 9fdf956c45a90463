// The Coral routing state and the dialogue as read back from a task's history.
import type { Turn } from "../../runtime/message/envelope.ts";
import { turnText } from "../turns.ts";
import type { Agent, DialogueTurn } from "./prompts.ts";

export const EXTRACTOR = "extractor";

/** What travels in `msg.state`: agent turns so far, who spoke last, each agent's latest extracted answer. */
export type CoralState = {
  turns: number;
  last: Agent | null;
  answers: Record<Agent, string | null>;
};

export function initialState(): CoralState {
  return { turns: 0, last: null, answers: { agent_a: null, agent_b: null } };
}

/** Reads the state back (tolerant of a missing field, which would only come from a foreign message). */
export function readState(state: Record<string, unknown>): CoralState {
  const answers = (state.answers ?? {}) as Partial<Record<Agent, string | null>>;
  return {
    turns: typeof state.turns === "number" ? state.turns : 0,
    last: isAgent(state.last) ? state.last : null,
    answers: { agent_a: answers.agent_a ?? null, agent_b: answers.agent_b ?? null },
  };
}

export function isAgent(x: unknown): x is Agent {
  return x === "agent_a" || x === "agent_b";
}

export function otherAgent(a: Agent): Agent {
  return a === "agent_a" ? "agent_b" : "agent_a";
}

/** Both agents have committed to the same option. */
export function agreed(s: CoralState): boolean {
  return s.answers.agent_a !== null && s.answers.agent_a === s.answers.agent_b;
}

/**
 * The agent turns of a history with their extracted answers: from the turn's own `meta.answer` (regex
 * extractor) or from the extractor turn that follows it.
 */
export function dialogueOf(history: readonly Turn[]): DialogueTurn[] {
  const out: DialogueTurn[] = [];
  for (const t of history) {
    if (isAgent(t.role)) {
      const answer = t.meta?.answer;
      out.push({ speaker: t.role, content: turnText(t), answer: typeof answer === "string" ? answer : null });
    } else if (t.role === EXTRACTOR && out.length > 0) {
      const answer = t.meta?.answer;
      out[out.length - 1]!.answer = typeof answer === "string" ? answer : null;
    }
  }
  return out;
}
