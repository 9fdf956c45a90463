// Config of one LLM resource (`llm.<name>.*`): what users write, and the compiled form the client uses.
import * as v from "valibot";
import { ConfigError } from "../../runtime/errors.ts";
import type { RoutingPolicy } from "./balancer.ts";

const nonNeg = v.pipe(v.number(), v.minValue(0));
const nonNegInt = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Sampling parameters as written in config (`llm.<name>.sampling.*`); unknown keys are passed through. */
export const SamplingInput = v.looseObject({
  temperature: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(2))),
  top_p: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  max_tokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  stop: v.optional(v.union([v.string(), v.array(v.string())])),
  presence_penalty: v.optional(v.number()),
  frequency_penalty: v.optional(v.number()),
});

export const LlmResourceInput = v.strictObject({
  /** Base URL(s) of OpenAI-compatible servers (`http://host:8000/v1`); null or empty = the embedded simulated LLM. */
  url: v.optional(v.nullable(v.union([v.string(), v.array(v.string())])), null),
  /** Name of a service in the registry (`matrix service-manager`): its replicas are watched; excludes `url`. */
  service: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1))), null),
  /** Model name sent in requests; default "sim", or with `service` the model each replica registered. */
  model: v.optional(v.string()),
  /** Name of the environment variable that holds the API key (the key itself never goes in config). */
  api_key_env: v.optional(v.nullable(v.string()), null),
  /** Header that carries the key: `authorization` sends `Bearer KEY`; any other name (Azure's `api-key`) the bare key. */
  api_key_header: v.optional(v.pipe(v.string(), v.minLength(1)), "authorization"),
  /** `sticky` (every turn of a task on one replica while it is healthy and not saturated), `least_outstanding`, `random`. */
  routing: v.optional(v.picklist(["sticky", "random", "least_outstanding"]), "sticky"),
  /** Requests in flight per replica before spilling over to others (0 = what the replica registered, else no cap). */
  max_ongoing_requests: v.optional(nonNegInt, 0),
  /** How long a call waits for a service to have any replica before the attempt fails. */
  replica_wait_s: v.optional(nonNeg, 60),
  sampling: v.optional(SamplingInput, {}),
  timeout_s: v.optional(nonNeg, 600),
  max_retries: v.optional(nonNegInt, 6),
  /** Fields added to every request body unchanged (vLLM extensions and the like). */
  extra_body: v.optional(v.record(v.string(), v.unknown()), {}),
  /** Retry backoff: first delay, cap, factor; full jitter. */
  backoff: v.optional(
    v.strictObject({
      initial_ms: v.optional(nonNeg, 250),
      max_ms: v.optional(nonNeg, 20_000),
      multiplier: v.optional(v.pipe(v.number(), v.minValue(1)), 2),
    }),
    {},
  ),
  /** Cap on requests in flight to this resource from one process (0 = no cap). */
  max_concurrency: v.optional(nonNegInt, 0),
});
export type LlmResourceInput = v.InferInput<typeof LlmResourceInput>;

/** The compiled, fully filled form the client works with. */
export type LlmResourceConfig = {
  name: string;
  /** Base URLs ending in `/v1`; empty means the embedded simulated LLM. */
  urls: string[];
  model: string;
  api_key_env: string | null;
  /** Registry service to resolve replicas from (absent or null: `urls`). */
  service?: string | null;
  /** True when `model` was not configured and each replica's registered model is used. */
  model_from_registry?: boolean;
  /** Default `authorization`. */
  api_key_header?: string;
  /** Default `sticky`. */
  routing?: RoutingPolicy;
  /** Default 0: the replica's registered cap, or none. */
  max_ongoing_requests?: number;
  /** Default 60 000. */
  replica_wait_ms?: number;
  sampling: Record<string, unknown>;
  timeout_ms: number;
  max_retries: number;
  extra_body: Record<string, unknown>;
  backoff: { initial_ms: number; max_ms: number; multiplier: number };
  max_concurrency: number;
};

/** Fills defaults; throws ConfigError naming the key when `url` and `service` are both set. */
export function compileLlmResource(name: string, input: v.InferOutput<typeof LlmResourceInput>): LlmResourceConfig {
  const urls = input.url === null ? [] : Array.isArray(input.url) ? input.url : input.url === "" ? [] : [input.url];
  if (input.service !== null && urls.length > 0) {
    throw new ConfigError(`llm.${name}.service: set either url or service, not both`);
  }
  return {
    name,
    urls: urls.map((u) => u.replace(/\/+$/, "")),
    model: input.model ?? (input.service ?? "sim"),
    api_key_env: input.api_key_env,
    service: input.service,
    model_from_registry: input.service !== null && input.model === undefined,
    api_key_header: input.api_key_header.toLowerCase(),
    routing: input.routing,
    max_ongoing_requests: input.max_ongoing_requests,
    replica_wait_ms: Math.round(input.replica_wait_s * 1000),
    sampling: { ...input.sampling },
    timeout_ms: Math.round(input.timeout_s * 1000),
    max_retries: input.max_retries,
    extra_body: input.extra_body,
    backoff: {
      initial_ms: input.backoff.initial_ms ?? 250,
      max_ms: input.backoff.max_ms ?? 20_000,
      multiplier: input.backoff.multiplier ?? 2,
    },
    max_concurrency: input.max_concurrency,
  };
}
