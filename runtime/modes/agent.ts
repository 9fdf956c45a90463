// An agent worker: serves roles (and the sink) of any run on the NATS bus; per-run bindings come from the run state.
import type { Consumer, Delivery } from "../bus/types.ts";
import { ensureError } from "../errors.ts";
import { AgentHost, readDelivery, rejectDelivery, type HopEvent, type RunBinding } from "../host.ts";
import type { Logger } from "../log.ts";
import { SINK, type Envelope } from "../message/envelope.ts";
import { forgetSandboxServices } from "../sandbox/registry.ts";
import { sinkRow } from "../sink.ts";
import type { RunSpec } from "../state/run-state.ts";
import type { WorkflowDefinition } from "../workflow.ts";
import { bindRun, type BoundRun } from "./binding.ts";
import { RunResources } from "./resources.ts";
import type { Deployment } from "./deployment.ts";

export type AgentOptions = {
  deployment: Deployment;
  /** Workflows served (every role of each, unless `roles` narrows them). */
  workflows: WorkflowDefinition[];
  /** Only these roles (`_sink` included by name); all roles and the sink when absent. */
  roles?: string[];
  /** Hops in flight at once per role. */
  concurrency: number;
  log: Logger;
  onHop?: (event: HopEvent) => void;
};

/** A bound run as cached by an agent; `spec` tells what the sink needs beyond the host's binding. */
type CachedRun = BoundRun & { spec: RunSpec; usedAt: number };

// A run without hops for this long is forgotten (its LLM resources closed); a later hop binds it again.
const IDLE_RUN_MS = 10 * 60_000;

/**
 * Serves hops for any run. Holds no task state: everything a hop needs is in the message, and everything a run
 * needs (workflow params, LLM resources) is read once per run from the run state and cached.
 */
export class AgentWorker {
  readonly #opts: AgentOptions;
  readonly #host: AgentHost;
  readonly #sinks: Consumer[] = [];
  readonly #runs = new Map<string, CachedRun>();
  readonly #loading = new Map<string, Promise<CachedRun | undefined>>();
  readonly #abort = new AbortController();
  readonly #evictTimer: ReturnType<typeof setInterval>;

  constructor(opts: AgentOptions) {
    this.#opts = opts;
    this.#evictTimer = setInterval(() => void this.#evictIdle(), 60_000);
    (this.#evictTimer as { unref?: () => void }).unref?.();
    const bus = opts.deployment.bus;
    const servesSink = !opts.roles || opts.roles.includes(SINK);
    this.#host = new AgentHost({
      bus,
      binding: (run) => this.#binding(run),
      log: opts.log,
      signal: this.#abort.signal,
      ...(opts.onHop ? { onHop: opts.onHop } : {}),
      // A worker that serves the sink writes the rows of the tasks it finishes itself, instead of a hop to it.
      ...(servesSink ? { finish: (msg: Envelope) => this.#finish(msg) } : {}),
    });
    for (const wf of opts.workflows) {
      const roles = Object.keys(wf.roles).filter((r) => !opts.roles || opts.roles.includes(r));
      if (roles.length > 0) this.#host.serve(wf, roles, opts.concurrency);
      if (servesSink) {
        this.#sinks.push(bus.consume(wf.name, SINK, { concurrency: opts.concurrency, handler: (d) => this.#sink(d) }));
      }
    }
  }

  /** What this worker serves, as `workflow/role` names. */
  static served(workflows: WorkflowDefinition[], roles?: string[]): string[] {
    const out: string[] = [];
    for (const wf of workflows) {
      for (const r of [...Object.keys(wf.roles), SINK]) if (!roles || roles.includes(r)) out.push(`${wf.name}/${r}`);
    }
    return out;
  }

  get inFlight(): number {
    return this.#host.inFlight + this.#sinks.reduce((n, c) => n + c.inFlight, 0);
  }

  #binding(run: string): RunBinding | undefined | Promise<RunBinding | undefined> {
    const cached = this.#runs.get(run);
    if (cached) {
      cached.usedAt = Date.now();
      return cached.binding;
    }
    return this.#load(run).then((r) => r?.binding);
  }

  async #evictIdle(): Promise<void> {
    const now = Date.now();
    for (const [run, r] of this.#runs) {
      if (now - r.usedAt < IDLE_RUN_MS) continue;
      this.#runs.delete(run);
      forgetSandboxServices(run);
      try {
        await r.resources.close();
      } catch (err) {
        this.#opts.log.warn("closing a run's LLM resources failed", { run, error: String(err) });
      }
    }
  }

  #load(run: string): Promise<CachedRun | undefined> {
    let p = this.#loading.get(run);
    if (p) return p;
    p = (async () => {
      const spec = await this.#opts.deployment.state.getSpec(run);
      if (!spec) return undefined;
      const wf = this.#opts.workflows.find((w) => w.name === spec.workflow);
      if (!wf) return undefined;
      const llms = spec.llm as unknown as Parameters<typeof RunResources.needsRegistry>[0];
      const replicas = RunResources.needsRegistry(llms) ? await this.#opts.deployment.registry() : undefined;
      const bound: CachedRun = { ...bindRun(wf, spec, this.#opts.deployment.blobs, this.#opts.log, replicas, this.#opts.deployment.sandboxes()), spec, usedAt: Date.now() };
      this.#runs.set(run, bound);
      this.#opts.log.info("serving run", { run, workflow: spec.workflow });
      return bound;
    })().finally(() => this.#loading.delete(run));
    this.#loading.set(run, p);
    return p;
  }

  /** The last hop: the row goes to the results stream (dedup id `run/task`), then the task's blobs are released. */
  async #sink(d: Delivery): Promise<void> {
    const started = performance.now();
    const event = (outcome: HopEvent["outcome"]) => this.#opts.onHop?.({ workflow: d.workflow, role: SINK, outcome, ms: performance.now() - started });
    let msg: Envelope;
    try {
      msg = readDelivery(d);
    } catch (err) {
      await rejectDelivery(d, err, this.#opts.log);
      event("rejected");
      return;
    }
    const run = this.#runs.get(msg.run) ?? (await this.#load(msg.run));
    if (run) run.usedAt = Date.now();
    if (!run) {
      if (d.lastAttempt) {
        this.#opts.log.error("terminating a final hop of an unknown run", { run: msg.run, task: msg.task, subject: d.subject ?? `${d.workflow}/${SINK}` });
        await d.fail("unknown_run");
      } else {
        await d.retry(5_000);
      }
      return;
    }
    await this.#writeRow(msg, run);
    await d.ack();
    event("ok");
  }

  /**
   * A task finished by a role this worker ran: its row goes to the results stream from here. Should the worker
   * die before the role's hop is acked, the hop runs again and the results stream drops the second row.
   */
  async #finish(msg: Envelope): Promise<void> {
    const started = performance.now();
    const run = this.#runs.get(msg.run) ?? (await this.#load(msg.run));
    if (!run) throw new Error(`run ${msg.run} is no longer known to this agent`);
    await this.#writeRow(msg, run);
    this.#opts.onHop?.({ workflow: msg.workflow, role: SINK, outcome: "ok", ms: performance.now() - started });
  }

  /** The row goes to the results stream (dedup id `run/task`), then the task's blobs are released. */
  async #writeRow(msg: Envelope, run: CachedRun): Promise<void> {
    const { row, release } = await sinkRow(msg, {
      workflow: run.binding.workflow,
      params: run.spec.params,
      blobs: run.binding.blobs,
      includeHistory: run.spec.include_history,
    });
    // Throws (and the hop comes back) when the results stream cannot store the row.
    await this.#opts.deployment.results.publish(msg.run, msg.task, row);
    try {
      await release();
    } catch (err) {
      // The run's end sweeps what is left of its blobs.
      this.#opts.log.warn("cannot release a task's blobs", { task: msg.task, error: ensureError(err).message });
    }
  }

  /**
   * Stops taking hops and waits for those in flight; after `graceMs` the remaining handlers are aborted and their
   * hops handed back (nak) for another agent.
   */
  async drain(graceMs = Number.POSITIVE_INFINITY): Promise<void> {
    const timer = Number.isFinite(graceMs) ? setTimeout(() => this.abort(), graceMs) : undefined;
    try {
      await Promise.all([this.#host.drain(), ...this.#sinks.map((c) => c.drain())]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** Aborts running handlers now; their hops are handed back. */
  abort(): void {
    this.#abort.abort(new Error("agent stopped"));
  }

  /** Closes the LLM resources of every run served. Call after `drain`. */
  async close(): Promise<void> {
    clearInterval(this.#evictTimer);
    for (const r of this.#runs.values()) {
      forgetSandboxServices(r.spec.run);
      try {
        await r.resources.close();
      } catch (err) {
        this.#opts.log.warn("closing a run's LLM resources failed", { run: r.spec.run, error: String(err) });
      }
    }
    this.#runs.clear();
  }
}
