// LLM resources of a run: configured endpoints through the client, or the embedded simulated LLM in-process.
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Envelope } from "../message/envelope.ts";
import type { RoleLlm } from "../workflow.ts";
import { createLlmResource, type LlmResource, type LlmResourceConfig, type ReplicaDirectory, UsageMeter } from "../../services/llm/mod.ts";
import { SimEngine, simTransport, type SimOptions } from "../../services/sim/mod.ts";

export class RunResources {
  readonly meter = new UsageMeter();
  readonly #llms = new Map<string, LlmResource>();
  #sim: SimEngine | undefined;

  readonly log: Logger;

  /** `replicas` resolves resources that name a `service` (the registry of a NATS deployment). */
  constructor(configs: Record<string, LlmResourceConfig>, simOptions: SimOptions, log: Logger, replicas?: ReplicaDirectory) {
    this.log = log;
    for (const [name, cfg] of Object.entries(configs)) {
      const embedded = cfg.urls.length === 0 && !cfg.service;
      // Nobody scrapes an embedded engine's Prometheus metrics; the run reads its stats() instead.
      if (embedded) this.#sim ??= new SimEngine(simOptions, { metrics: false });
      this.#llms.set(
        name,
        createLlmResource(cfg, {
          log,
          meter: this.meter,
          ...(embedded ? { transport: simTransport(this.#sim!) } : {}),
          ...(replicas ? { replicas } : {}),
        }),
      );
    }
  }

  /** True when a resource names a registered service (so the process needs the registry). */
  static needsRegistry(configs: Record<string, LlmResourceConfig>): boolean {
    return Object.values(configs).some((c) => Boolean(c.service));
  }

  /** The embedded simulated LLM, when any resource uses it. */
  get sim(): SimEngine | undefined {
    return this.#sim;
  }

  /** The resource `name` as one hop sees it. */
  forHop(name: string, role: string, msg: Envelope, signal: AbortSignal): RoleLlm {
    const res = this.#llms.get(name);
    if (!res) throw new ConfigError(`llm resource "${name}" is not configured (add llm.${name}.* to the config)`);
    let calls = 0;
    return {
      name: res.name,
      model: res.model,
      chat: (call, opts) => {
        // Reproducible per task, hop and call within the hop.
        const seed = call.seed ?? ((msg.seed + Math.imul(msg.hop + 1, 2654435761) + calls++ * 40503) >>> 1);
        return res.chat(
          { ...call, seed },
          { key: msg.task, role, signal: opts?.signal ?? signal },
        );
      },
    };
  }

  async close(): Promise<void> {
    for (const llm of this.#llms.values()) await llm.close?.();
    await this.#sim?.close();
  }
}
