// The `natural-reasoning.*` config section.
import * as v from "valibot";

export const NaturalReasoningParams = v.strictObject({
  /** Key of the document text in dataset rows. */
  text_key: v.optional(v.pipe(v.string(), v.minLength(1)), "text"),
  /** Documents whose `overall` score is below this leave early with `low_score`. */
  min_score: v.optional(v.pipe(v.number(), v.minValue(0)), 3),
  /** Documents are cut to this many characters in prompts (web pages can be huge; the row keeps them whole). */
  max_document_chars: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100)), 32_000),
  /** Ask the scorer for a JSON object (`response_format: {type: "json_object"}`). */
  json_mode: v.optional(v.boolean(), true),
});
export type NaturalReasoningParams = v.InferOutput<typeof NaturalReasoningParams>;
