// The `inference.*` config section.
import * as v from "valibot";

export const InferenceParams = v.strictObject({
  /** Key of the prompt text in text-format rows (`{"text": "..."}`). */
  text_key: v.optional(v.pipe(v.string(), v.minLength(1)), "text"),
  /** System prompt prepended to rows that carry no system message; null = none. */
  system_prompt: v.optional(v.nullable(v.string()), null),
});
export type InferenceParams = v.InferOutput<typeof InferenceParams>;
