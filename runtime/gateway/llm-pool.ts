// The LLM replicas the gateway passes chat completions to: the service registry and/or a static URL list.
import { Balancer, type Outcome, type ReplicaDirectory, type ReplicaTarget } from "../../services/mod.ts";

/** A replica picked for one request; `release` MUST be called once when the request ends. */
export type PickedReplica = { url: string; model: string; release(outcome: Outcome): void };

/** A model as `GET /v1/models` lists it. */
export type ModelEntry = { id: string; object: "model"; owned_by: string };

/** What the pass-through needs: the models served and a replica for a model (the agents' balancing). */
export interface LlmPool {
  models(): Promise<ModelEntry[]>;
  /** A replica serving `model` (a served model name or a registry service name), or undefined. */
  pick(model: string, key?: string): Promise<PickedReplica | undefined>;
}

/** Registry entries as the pool reads them. */
export interface RegistryView extends ReplicaDirectory {
  entries(service?: string): { service: string; model: string; url: string; max_ongoing_requests: number }[];
}

const MODELS_CACHE_MS = 10_000;

/**
 * Replicas from the registry (live) and from static URLs (their models read from `<url>/models`), balanced per
 * model with the same least-outstanding, sticky-by-key balancer the agents' LLM client uses.
 */
export class ReplicaPool implements LlmPool {
  readonly #registry: RegistryView | undefined;
  readonly #static: string[];
  readonly #balancers = new Map<string, Balancer>();
  #staticModels: { at: number; byUrl: Map<string, string[]> } | undefined;

  constructor(opts: { registry?: RegistryView; urls?: string[] }) {
    this.#registry = opts.registry;
    this.#static = (opts.urls ?? []).map((u) => u.replace(/\/+$/, ""));
  }

  async #staticByUrl(): Promise<Map<string, string[]>> {
    if (this.#staticModels && Date.now() - this.#staticModels.at < MODELS_CACHE_MS) return this.#staticModels.byUrl;
    const byUrl = new Map<string, string[]>();
    await Promise.all(
      this.#static.map(async (url) => {
        try {
          const res = await fetch(`${url}/models`, { signal: AbortSignal.timeout(2_000) });
          const body = (await res.json()) as { data?: { id?: unknown }[] };
          byUrl.set(url, (body.data ?? []).map((m) => m.id).filter((x): x is string => typeof x === "string"));
        } catch {
          byUrl.set(url, []);
        }
      }),
    );
    this.#staticModels = { at: Date.now(), byUrl };
    return byUrl;
  }

  async models(): Promise<ModelEntry[]> {
    const seen = new Map<string, ModelEntry>();
    for (const e of this.#registry?.entries() ?? []) seen.set(e.model, { id: e.model, object: "model", owned_by: e.service });
    for (const ids of (await this.#staticByUrl()).values()) for (const id of ids) if (!seen.has(id)) seen.set(id, { id, object: "model", owned_by: "static" });
    return [...seen.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  async #targets(model: string): Promise<ReplicaTarget[]> {
    const out: ReplicaTarget[] = [];
    for (const e of this.#registry?.entries() ?? []) {
      if (e.model === model || e.service === model) out.push({ url: e.url.replace(/\/+$/, ""), model: e.model, max_ongoing: e.max_ongoing_requests });
    }
    for (const [url, ids] of await this.#staticByUrl()) if (ids.includes(model)) out.push({ url, model });
    return out;
  }

  async pick(model: string, key?: string): Promise<PickedReplica | undefined> {
    const targets = await this.#targets(model);
    if (targets.length === 0) return undefined;
    let b = this.#balancers.get(model);
    if (!b) this.#balancers.set(model, (b = new Balancer(targets)));
    else b.setReplicas(targets);
    const url = b.tryPick(key);
    if (url === undefined) return undefined;
    const balancer = b;
    let released = false;
    return {
      url,
      model: balancer.modelOf(url) ?? model,
      release: (outcome) => {
        if (released) return;
        released = true;
        balancer.release(url, outcome);
      },
    };
  }
}
