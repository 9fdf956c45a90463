// LLM resources of a run: configured endpoints through the client, or the embedded simulated LLM in-process.
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Envelope } from "../message/envelope.ts";
import type { RoleLlm } from "../workflow.ts";
import type { ChatCall, ChatOptions, ChatResult } from "../../services/llm/mod.ts";
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
    return new HopLlm(res, role, msg, signal);
  }

  async close(): Promise<void> {
    for (const llm of this.#llms.values()) await llm.close?.();
    await this.#sim?.close();
  }
}

/** One hop's view of an LLM resource (a class: its method is not a closure made per hop). */
class HopLlm implements RoleLlm {
  readonly name: string;
  readonly model: string;
  #calls = 0;
  readonly #res: LlmResource;
  readonly #role: string;
  readonly #msg: Envelope;
  readonly #signal: AbortSignal;

  constructor(res: LlmResource, role: string, msg: Envelope, signal: AbortSignal) {
    this.name = res.name;
    this.model = res.model;
    this.#res = res;
    this.#role = role;
    this.#msg = msg;
    this.#signal = signal;
  }

  chat(call: ChatCall, opts?: Pick<ChatOptions, "signal">): Promise<ChatResult> {
    const msg = this.#msg;
    // Reproducible per task, hop and call within the hop.
    const seed = call.seed ?? ((msg.seed + Math.imul(msg.hop + 1, 2654435761) + this.#calls++ * 40503) >>> 1);
    return this.#res.chat({ ...call, seed }, { key: msg.task, role: this.#role, signal: opts?.signal ?? this.#signal });
  }
}
