// Run state in a NATS KV bucket (`<ns>_runs`): each run's spec (what agents need to serve it) and its counters.
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import * as v from "valibot";
import { checkNamespace } from "../bus/nats-names.ts";
import { lazyBucket } from "./kv-bucket.ts";
import type { RunConfig } from "../config/schema.ts";

/** What an agent needs to serve the hops of a run: the compiled config minus what only the source and writer use. */
export const RunSpec = v.object({
  v: v.literal(1),
  run: v.string(),
  workflow: v.string(),
  params: v.record(v.string(), v.unknown()),
  /** Compiled LLM resources (`RunConfig["llm"]`); a resource without urls is an embedded simulated LLM. */
  llm: v.record(v.string(), v.record(v.string(), v.unknown())),
  /** Options of the embedded simulated LLM (`RunConfig["sim"]`). */
  sim: v.record(v.string(), v.unknown()),
  max_attempts: v.number(),
  retry: v.object({ initial_ms: v.number(), max_ms: v.number() }),
  offload_threshold_bytes: v.number(),
  include_history: v.boolean(),
  created_at: v.number(),
});
export type RunSpec = v.InferOutput<typeof RunSpec>;

/** Counters of a run as its source last wrote them. */
export const RunCounters = v.object({
  total: v.number(),
  admitted: v.number(),
  results: v.number(),
  in_flight: v.number(),
  updated_at: v.number(),
  /** `interrupted`: the run process stopped before the end; the same command resumes it. */
  state: v.picklist(["running", "interrupted"]),
});
export type RunCounters = v.InferOutput<typeof RunCounters>;

const parseSpec = v.parser(RunSpec);
const parseCounters = v.parser(RunCounters);

/** The spec of a run built from its compiled config. */
export function specOf(run: string, c: RunConfig): RunSpec {
  return {
    v: 1,
    run,
    workflow: c.workflow,
    params: c.params,
    llm: c.llm as unknown as RunSpec["llm"],
    sim: c.sim as unknown as RunSpec["sim"],
    max_attempts: c.max_attempts,
    retry: c.retry,
    offload_threshold_bytes: c.offload_threshold_bytes,
    include_history: c.output.include_history,
    created_at: Date.now(),
  };
}

/** The part of a spec that must match for a killed run to be resumed under the same run id. */
export function specFingerprint(spec: RunSpec): string {
  const { run: _run, created_at: _created, ...rest } = spec;
  return JSON.stringify(rest);
}

const utf8 = new TextEncoder();

/**
 * The `<ns>_runs` bucket. Keys: `<run>` holds the spec (written once by `matrix run`, read and cached by agents),
 * `<run>.counters` the source's counters (admitted, results, in flight), rewritten as the run goes.
 */
export class RunStateStore {
  readonly bucket: string;
  readonly #open: () => Promise<KV>;

  constructor(nc: NatsConnection, opts: { namespace?: string; replicas?: number } = {}) {
    this.bucket = `${checkNamespace(opts.namespace ?? "mx")}_runs`;
    this.#open = lazyBucket(nc, this.bucket, opts.replicas ?? 1);
  }

  /** Creates the bucket if it does not exist (done on first use otherwise). */
  async ready(): Promise<void> {
    await this.#open();
  }

  async putSpec(spec: RunSpec): Promise<void> {
    await (await this.#open()).put(spec.run, utf8.encode(JSON.stringify(spec)));
  }

  /** The spec of a run, or undefined when the run is unknown (never started, or cleaned up). */
  async getSpec(run: string): Promise<RunSpec | undefined> {
    const e = await (await this.#open()).get(run);
    if (!e || e.operation !== "PUT") return undefined;
    return parseSpec(e.json());
  }

  async putCounters(run: string, c: RunCounters): Promise<void> {
    await (await this.#open()).put(`${run}.counters`, utf8.encode(JSON.stringify(c)));
  }

  async getCounters(run: string): Promise<RunCounters | undefined> {
    const e = await (await this.#open()).get(`${run}.counters`);
    if (!e || e.operation !== "PUT") return undefined;
    return parseCounters(e.json());
  }

  /** Forgets a finished run (its spec and counters). */
  async remove(run: string): Promise<void> {
    const kv = await this.#open();
    await kv.purge(run);
    await kv.purge(`${run}.counters`);
  }
}
