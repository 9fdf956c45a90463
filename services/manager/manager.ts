// The service manager: supervises every planned replica, registers the ready ones, serves metrics, stops in order.
import { silentLogger, type Logger } from "../../runtime/log.ts";
import { Registrar } from "../registry/registrar.ts";
import type { KV } from "../registry/bucket.ts";
import { registryKey, type ReplicaEntry } from "../registry/entry.ts";
import { serveFetch, type Listening } from "../sim/adapter/serve.ts";
import { fetchLoad } from "./load.ts";
import { ManagerMetrics } from "./metrics.ts";
import type { ReplicaPlan } from "./plan.ts";
import { ReplicaSupervisor, type ReadyReplica } from "./replica.ts";

export type ServiceManagerOptions = {
  plans: ReplicaPlan[];
  /** The registry bucket (`openRegistryBucket`). */
  kv: KV;
  heartbeat_ms: number;
  /** `host/index` of this manager, recorded in each entry. */
  manager: string;
  log?: Logger;
  /** Port of `/metrics`, `/healthz` and `/replicas` (0 = any free port; null = none). */
  metrics_port?: number | null;
  metrics_host?: string;
};

/** Lifecycle of the manager as a whole. */
export type ManagerState = "running" | "stopping" | "stopped";

/**
 * Runs the replicas of a services file on this node.
 *
 * @example
 * const m = await ServiceManager.start({ plans, kv, heartbeat_ms: 10_000, manager: "gpu1/0" });
 * const errors = await m.finished; // every replica given up, or, on SIGTERM:
 * await m.stop();
 */
export class ServiceManager {
  readonly replicas: ReplicaSupervisor[];
  readonly metrics = new ManagerMetrics();
  readonly #registrar: Registrar;
  readonly #log: Logger;
  readonly #keys = new Map<ReplicaSupervisor, string>();
  readonly #origins = new Map<string, string>();
  #listening: Listening | undefined;
  #state: ManagerState = "running";
  #stopping: Promise<void> | undefined;
  /** Resolves when every replica's loop has ended (stopped or given up), with the errors of those given up. */
  finished: Promise<string[]> = Promise.resolve([]);

  private constructor(opts: ServiceManagerOptions) {
    this.#log = opts.log ?? silentLogger;
    this.#registrar = new Registrar(opts.kv, {
      heartbeat_ms: opts.heartbeat_ms,
      log: this.#log,
      refresh: (e) => this.#refresh(e),
    });
    const taken = new Set<number>();
    this.replicas = opts.plans.map((plan) => {
      const r: ReplicaSupervisor = new ReplicaSupervisor(plan, {
        taken,
        log: this.#log,
        hooks: {
          ready: (ready) => this.#register(r, ready, opts.manager),
          down: (ready) => this.#deregister(r, ready),
          starting: (p, restart) => {
            if (restart) this.metrics.restarted(p.service, p.id);
          },
        },
      });
      return r;
    });
  }

  /** Starts every replica and the metrics endpoint. */
  static async start(opts: ServiceManagerOptions): Promise<ServiceManager> {
    const m = new ServiceManager(opts);
    if (opts.metrics_port !== null && opts.metrics_port !== undefined) {
      m.#listening = await serveFetch((req) => m.#http(req), { hostname: opts.metrics_host ?? "0.0.0.0", port: opts.metrics_port });
    }
    const ends = m.replicas.map((r) => {
      r.start();
      return r.done.then(() => {
        if (r.state !== "failed") return undefined;
        const error = r.error ?? `${r.plan.service} replica ${r.plan.index} failed`;
        m.metrics.failed(r.plan.service, r.plan.id);
        m.#log.error(error.split("\n")[0] ?? error);
        return error;
      });
    });
    m.finished = Promise.all(ends).then((errors) => errors.filter((e): e is string => e !== undefined));
    return m;
  }

  get state(): ManagerState {
    return this.#state;
  }

  /** The metrics port, when serving. */
  get metricsPort(): number | undefined {
    return this.#listening?.port;
  }

  /**
   * Deregisters every replica and stops every process group (SIGTERM, SIGKILL after each service's grace),
   * then the heartbeat and the metrics endpoint. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#state = "stopping";
      const steps: Array<[string, () => Promise<void>]> = [
        ["replicas", async () => void (await Promise.all(this.replicas.map((r) => r.stop())))],
        ["registry", () => this.#registrar.close()],
        ["metrics", async () => await this.#listening?.close()],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          this.#log.warn(`service manager: stopping ${name} failed`, { error: String(err) });
        }
      }
      this.#state = "stopped";
    })();
    return this.#stopping;
  }

  /** Kills every process group at once (second signal). */
  kill(): void {
    for (const r of this.replicas) {
      if (r.pid !== undefined) {
        try {
          process.kill(-r.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    }
  }

  async #register(r: ReplicaSupervisor, ready: ReadyReplica, manager: string): Promise<void> {
    const p = ready.plan;
    const key = await this.#registrar.register({
      service: p.service,
      model: p.launch.served_model_name,
      url: ready.url,
      replica: p.id,
      engine: p.launch.engine,
      host: p.advertise_host,
      started: ready.started.toISOString(),
      load: null,
      max_ongoing_requests: p.max_ongoing_requests,
      ...(ready.pid === undefined ? {} : { pid: ready.pid }),
      manager,
    });
    this.#keys.set(r, key);
    this.#origins.set(key, ready.origin);
    this.metrics.up(p.service, p.id, true);
  }

  async #deregister(r: ReplicaSupervisor, ready: ReadyReplica): Promise<void> {
    this.metrics.up(ready.plan.service, ready.plan.id, false);
    const key = this.#keys.get(r);
    if (key === undefined) return;
    this.#keys.delete(r);
    this.#origins.delete(key);
    await this.#registrar.deregister(key);
  }

  async #refresh(e: ReplicaEntry): Promise<Partial<ReplicaEntry>> {
    const origin = this.#origins.get(registryKey(e.service, e.replica));
    if (origin === undefined) return {};
    const load = await fetchLoad(origin);
    this.metrics.load(e.service, e.replica, load);
    return { load };
  }

  async #http(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    if (path === "/metrics") return new Response(await this.metrics.text(), { headers: { "content-type": this.metrics.contentType } });
    if (path === "/healthz") return new Response(this.#state === "running" ? "ok" : this.#state, { status: this.#state === "running" ? 200 : 503 });
    if (path === "/replicas") {
      const body = this.replicas.map((r) => ({
        service: r.plan.service,
        replica: r.plan.id,
        state: r.state,
        pid: r.pid ?? null,
        restarts: r.restarts,
        gpus: r.plan.gpus,
        error: r.error ?? null,
      }));
      return Response.json(body);
    }
    return new Response("not found", { status: 404 });
  }
}
