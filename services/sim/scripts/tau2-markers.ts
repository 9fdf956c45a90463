// Markers that tau2 prompts carry so the simulated LLM knows what to play; the tau2 workflow writes them.

/** Part of the user simulator's system prompt. */
export const TAU2_USER_MARKER = "You are playing the role of a customer contacting a customer service representative.";

/** Part of the judge's system prompt (natural-language assertions). */
export const TAU2_JUDGE_MARKER = "You grade a customer service conversation against assertions.";

/** Tag of the simulation aid block (only present when `tau2.sim_mode` is set). */
export const TAU2_SIM_TAG = "matrix-sim-tau2";

/** Prefix of the tool call ids the oracle assistant writes (so it can count its own calls). */
export const TAU2_ORACLE_CALL_PREFIX = "oracle_";

/** What the simulation aid block of the assistant's system prompt holds. */
export type Tau2SimPlan = {
  mode: "oracle" | "perturbed";
  actions: Array<{ name: string; arguments: Record<string, unknown>; write: boolean }>;
};

/** What the simulation aid block of the user simulator's system prompt holds. */
export type Tau2SimUser = {
  mode: "oracle" | "perturbed";
  /** The customer's own messages that precede the simulated conversation (a task's pre-existing history). */
  prior: number;
};

/** The block as it appears in a system prompt. */
export function simBlock(data: Tau2SimPlan | Tau2SimUser): string {
  return `<${TAU2_SIM_TAG}>\n${JSON.stringify(data)}\n</${TAU2_SIM_TAG}>`;
}

/** The block's data from a system prompt, or undefined. */
export function readSimBlock(text: string): unknown {
  const m = new RegExp(`<${TAU2_SIM_TAG}>\\n([\\s\\S]*?)\\n</${TAU2_SIM_TAG}>`).exec(text);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]!);
  } catch {
    return undefined;
  }
}
