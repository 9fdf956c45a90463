// The run config: what users write (YAML files, overrides) and the compiled form the runtime uses.
import * as v from "valibot";
import { LlmResourceInput, compileLlmResource, type LlmResourceConfig } from "../../services/llm/config.ts";
import { SimOptionsInput, type SimOptions } from "../../services/sim/options.ts";

const posInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const nonNegInt = v.pipe(v.number(), v.integer(), v.minValue(0));
const nonNeg = v.pipe(v.number(), v.minValue(0));

/** Keys common to every workflow. The workflow's own section (`<workflow>.*`) is validated by its schema. */
export const CommonConfigInput = v.strictObject({
  /** Workflow name (set by `matrix run <workflow>` or by the config file). */
  workflow: v.optional(v.string()),
  dataset: v.optional(
    v.strictObject({
      /** JSONL or JSONL.gz file; one task per line. */
      path: v.optional(v.string()),
      /** Read at most this many rows (null = all). */
      limit: v.optional(v.nullable(nonNegInt), null),
      /** Field that holds the row's stable key; rows without it are keyed by line number. */
      id_key: v.optional(v.string(), "id"),
    }),
    {},
  ),
  output: v.optional(
    v.strictObject({
      path: v.optional(v.string()),
      /** Write only `ok` rows (filtered and error rows are dropped, and rerun on resume). */
      success_only: v.optional(v.boolean(), false),
      /** Keep the message history in each row (`history` field). */
      include_history: v.optional(v.boolean(), false),
    }),
    {},
  ),
  /** Tasks in flight at once (row-level admission). */
  max_concurrent_tasks: v.optional(posInt, 256),
  /** Run seed: each task's seed is derived from it and the task id. */
  seed: v.optional(v.pipe(v.number(), v.integer()), 0),
  /** Trials per dataset row (each a separate task with its own seed). */
  trials: v.optional(posInt, 1),
  /** Attempts per hop for retryable errors before the task ends as an error row. */
  max_attempts: v.optional(posInt, 4),
  /** Delay before a retried hop (exponential with jitter, or the server's Retry-After when longer). */
  retry: v.optional(
    v.strictObject({ initial_s: v.optional(nonNeg, 1), max_s: v.optional(nonNeg, 60) }),
    {},
  ),
  /** Fields larger than this many bytes travel as references to the blob store. */
  offload_threshold_bytes: v.optional(nonNegInt, 16 * 1024),
  /** LLM resources by name. */
  llm: v.optional(v.record(v.string(), LlmResourceInput), {}),
  /** The embedded simulated LLM, used by every `llm.*` resource without a `url`. */
  sim: v.optional(SimOptionsInput, {}),
  progress: v.optional(
    v.strictObject({
      /** Seconds between summary lines when stderr is not a TTY. */
      interval_s: v.optional(v.pipe(v.number(), v.minValue(0.1)), 5),
      /** auto: bar on a TTY, lines otherwise. */
      mode: v.optional(v.picklist(["auto", "bar", "lines", "off"]), "auto"),
    }),
    {},
  ),
});
export type CommonConfigInput = v.InferInput<typeof CommonConfigInput>;

/** The compiled config: every key filled, durations in ms, paths absolute. */
export type RunConfig = {
  workflow: string;
  dataset: { path: string; limit: number | null; id_key: string };
  output: { path: string; success_only: boolean; include_history: boolean };
  max_concurrent_tasks: number;
  seed: number;
  trials: number;
  max_attempts: number;
  retry: { initial_ms: number; max_ms: number };
  offload_threshold_bytes: number;
  llm: Record<string, LlmResourceConfig>;
  sim: SimOptions;
  progress: { interval_ms: number; mode: "auto" | "bar" | "lines" | "off" };
  /** The workflow's own section, compiled by its schema. */
  params: Record<string, unknown>;
};

export type CommonConfig = v.InferOutput<typeof CommonConfigInput>;

export function compileLlms(llm: CommonConfig["llm"]): Record<string, LlmResourceConfig> {
  const out: Record<string, LlmResourceConfig> = {};
  for (const [name, input] of Object.entries(llm)) out[name] = compileLlmResource(name, input);
  return out;
}
