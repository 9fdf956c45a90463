// Options of the simulated LLM: what users write (all optional, defaults documented) and the compiled form.
import * as v from "valibot";
import { ConfigError } from "../../runtime/errors.ts";

const nonNeg = v.pipe(v.number(), v.minValue(0));
const positive = v.pipe(v.number(), v.gtValue(0));
const posInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const probability = v.pipe(v.number(), v.minValue(0), v.maxValue(1));

/** Distribution of output lengths in tokens (before `max_tokens` caps them). */
export const OutputLenInput = v.strictObject({
  /** `fixed` = always `value`; `uniform` = integer in [min, max]; `lognormal` = median·e^(sigma·N(0,1)) clamped to [min, max]. */
  dist: v.optional(v.picklist(["fixed", "uniform", "lognormal"]), "lognormal"),
  value: v.optional(posInt, 200),
  min: v.optional(posInt, 8),
  max: v.optional(posInt, 2048),
  median: v.optional(positive, 200),
  sigma: v.optional(nonNeg, 0.6),
});
export type OutputLen = v.InferOutput<typeof OutputLenInput>;

export const SimOptionsInput = v.strictObject({
  /** Served model name; requests naming another model get 404, as from vLLM. */
  model: v.optional(v.pipe(v.string(), v.minLength(1)), "sim"),
  /** Running-sequence slots; further requests wait in a FIFO queue. */
  max_num_seqs: v.optional(posInt, 256),
  /** Context length: prompts longer than this get 400; the default output cap is what remains of it. */
  max_model_len: v.optional(posInt, 32_768),
  /** Prefill cost added to the step in which a sequence is admitted (simulated ms per prompt token). */
  prefill_ms_per_token: v.optional(nonNeg, 0.05),
  /** Base duration of one decode step (simulated ms). */
  decode_step_ms: v.optional(nonNeg, 12),
  /** Extra step duration per running sequence (simulated ms). */
  decode_ms_per_seq: v.optional(nonNeg, 0.04),
  /** Simulated ms per real ms: 10 runs ten times faster than real time. */
  time_scale: v.optional(positive, 1),
  /** When set, every request completes exactly this many simulated ms after admission, whatever the batch. */
  fixed_latency_ms: v.optional(v.nullable(nonNeg), null),
  output_len: v.optional(OutputLenInput, {}),
  /** Engine seed, mixed with each request's seed and content. */
  seed: v.optional(v.pipe(v.number(), v.integer()), 0),
  /** Fraction of requests answered 500. */
  error_rate: v.optional(probability, 0),
  /** Fraction of requests answered 429 with `Retry-After: retry_after_s`. */
  rate_429: v.optional(probability, 0),
  retry_after_s: v.optional(nonNeg, 1),
  /** Fraction of requests delayed by `spike_ms` simulated ms before they reach the scheduler. */
  spike_rate: v.optional(probability, 0),
  spike_ms: v.optional(nonNeg, 2_000),
  /** A per-engine prefix cache: a prompt whose leading blocks this engine saw recently pays prefill only for the rest. */
  prefix_cache: v.optional(v.boolean(), false),
  /** Capacity of the prefix cache in tokens (least recently used blocks leave first). */
  prefix_cache_tokens: v.optional(posInt, 262_144),
  /** Fraction of tool-enabled requests (last message not a tool result) answered with a tool call. */
  tool_call_rate: v.optional(probability, 0.5),
});
export type SimOptionsInput = v.InferInput<typeof SimOptionsInput>;

/** The compiled, fully filled options the engine works with. */
export type SimOptions = v.InferOutput<typeof SimOptionsInput>;

/**
 * Validates user options and fills defaults; throws ConfigError with one line naming the key.
 * @example const opts = compileSimOptions({ time_scale: 50, output_len: { dist: "fixed", value: 32 } });
 */
export function compileSimOptions(input: unknown = {}): SimOptions {
  const res = v.safeParse(SimOptionsInput, input);
  if (!res.success) {
    const issue = res.issues[0];
    const path = v.getDotPath(issue) ?? "options";
    if (issue.type === "strict_object" && issue.expected === "never") {
      const known = Object.keys(path.startsWith("output_len.") ? OutputLenInput.entries : SimOptionsInput.entries);
      throw new ConfigError(`sim option ${path}: unknown option (known: ${known.join(", ")})`);
    }
    throw new ConfigError(`sim option ${path}: ${issue.message}`);
  }
  const o = res.output;
  if (o.output_len.min > o.output_len.max) {
    throw new ConfigError(`sim option output_len: min (${o.output_len.min}) exceeds max (${o.output_len.max})`);
  }
  return o;
}

/** Overlays `b` on `a` (nested `output_len` merged key by key). */
export function mergeSimOptions(a: SimOptionsInput, b: SimOptionsInput): SimOptionsInput {
  const out: SimOptionsInput = { ...a, ...b };
  if (a.output_len !== undefined || b.output_len !== undefined) out.output_len = { ...a.output_len, ...b.output_len };
  return out;
}
