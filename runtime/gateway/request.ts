// The body of `POST /v1/jobs` (valibot) and its config overrides as `key=value` strings.
import * as v from "valibot";
import { isPlainObject } from "../config/merge.ts";
import { HttpError } from "./http-error.ts";

/** A job submission. Exactly one of `tasks` and `dataset`. */
export const JobRequest = v.strictObject({
  workflow: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  /** Overrides with the same keys as `matrix run`: a nested object, or a list of `key.sub=value` strings. */
  config: v.optional(v.union([v.array(v.pipe(v.string(), v.includes("="))), v.record(v.string(), v.unknown())])),
  /** Inline rows, one task each (times `trials`). */
  tasks: v.optional(v.array(v.record(v.string(), v.unknown()))),
  /** A JSONL/JSONL.gz/JSON file under an allowed root. */
  dataset: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(4096))),
  idempotency_key: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
});
export type JobRequest = v.InferOutput<typeof JobRequest>;

/** Keys a job may not set: the gateway decides where rows come from and where they go. */
const FORBIDDEN = ["workflow", "dataset.path", "output", "progress"];

/** Flattens a config object to `a.b=value` overrides (values as JSON, which the override parser reads as YAML). */
export function toOverrides(config: JobRequest["config"]): string[] {
  if (config === undefined) return [];
  const out: string[] = Array.isArray(config) ? [...config] : [];
  const walk = (tree: Record<string, unknown>, prefix: string) => {
    for (const [k, val] of Object.entries(tree)) {
      const key = prefix + k;
      if (isPlainObject(val) && Object.keys(val).length > 0) walk(val, key + ".");
      else out.push(`${key}=${JSON.stringify(val)}`);
    }
  };
  if (!Array.isArray(config)) walk(config, "");
  for (const o of out) {
    const key = o.slice(0, o.indexOf("="));
    const bad = FORBIDDEN.find((f) => key === f || key.startsWith(f + "."));
    if (bad) throw new HttpError(400, "forbidden_key", `config key "${key}": set by the gateway (send "tasks" or "dataset" instead)`);
  }
  return out;
}
