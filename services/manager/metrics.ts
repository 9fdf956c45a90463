// Prometheus metrics of a service manager: replicas up, restarts, load and state per replica.
import { Counter, Gauge, Registry } from "prom-client";

type Labels = "service" | "replica";

/**
 * The manager's metrics in a registry of its own.
 * @example const m = new ManagerMetrics(); m.up("llama8b", "gpu1-0-0", true); await m.text();
 */
export class ManagerMetrics {
  readonly registry = new Registry();
  readonly #up: Gauge<Labels>;
  readonly #restarts: Counter<Labels>;
  readonly #load: Gauge<Labels>;
  readonly #failed: Gauge<Labels>;

  constructor() {
    const registers = [this.registry];
    const labelNames = ["service", "replica"] as const;
    this.#up = new Gauge({ name: "matrix_service_replica_up", help: "1 while the replica is ready and registered.", labelNames, registers });
    this.#restarts = new Counter({ name: "matrix_service_replica_restarts_total", help: "Restarts of the replica after it exited.", labelNames, registers });
    this.#load = new Gauge({ name: "matrix_service_replica_load", help: "Requests running plus waiting at the last heartbeat.", labelNames, registers });
    this.#failed = new Gauge({ name: "matrix_service_replica_failed", help: "1 when the replica was given up after repeated fast crashes.", labelNames, registers });
  }

  up(service: string, replica: string, up: boolean): void {
    this.#up.set({ service, replica }, up ? 1 : 0);
  }

  restarted(service: string, replica: string): void {
    this.#restarts.inc({ service, replica });
  }

  load(service: string, replica: string, load: number | null): void {
    if (load !== null) this.#load.set({ service, replica }, load);
  }

  failed(service: string, replica: string): void {
    this.#failed.set({ service, replica }, 1);
    this.#up.set({ service, replica }, 0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
