// The `coral.*` config section.
import * as v from "valibot";

export const CoralParams = v.strictObject({
  /** Agent turns after which a dialogue without agreement ends (20 in the reference). */
  max_turns: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 20),
  /**
   * How the answer an agent committed to is read after each turn: `regex` (in the agent's own hop) or `llm`
   * (a separate `extractor` role calling `llm.extractor`).
   */
  extractor: v.optional(v.picklist(["regex", "llm"]), "regex"),
});
export type CoralParams = v.InferOutput<typeof CoralParams>;
