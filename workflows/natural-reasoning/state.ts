// The NaturalReasoning routing state: the stages in order, the stage a task reached, and why it left early.
import { SINK } from "../../runtime/message/envelope.ts";

/** The three LLM stages; each is a role and calls the LLM resource of the same name. */
export const STAGES = ["filter", "scorer", "writer"] as const;
export type Stage = (typeof STAGES)[number];

/** Why a task left before the end (`termination_reason` of a filtered row). */
export const TERMINATION_REASONS = ["filter_rejected", "score_unparseable", "low_score", "question_unparseable"] as const;
export type TerminationReason = (typeof TERMINATION_REASONS)[number];

/** What travels in `msg.state`: the last stage that ran and, when it rejected the task, the reason. */
export type NrState = { stage: Stage | null; reason: TerminationReason | null };

export function initialState(): NrState {
  return { stage: null, reason: null };
}

function isStage(x: unknown): x is Stage {
  return STAGES.includes(x as Stage);
}

function isReason(x: unknown): x is TerminationReason {
  return TERMINATION_REASONS.includes(x as TerminationReason);
}

/** Reads the state back (a missing or foreign field reads as null). */
export function readState(state: Record<string, unknown>): NrState {
  return { stage: isStage(state.stage) ? state.stage : null, reason: isReason(state.reason) ? state.reason : null };
}

/** The role after the stage the state reached: the sink once a stage rejected the task or the writer ran. */
export function nextRole(state: NrState): string {
  if (state.reason !== null) return SINK;
  if (state.stage === null) return STAGES[0];
  return STAGES[STAGES.indexOf(state.stage) + 1] ?? SINK;
}
