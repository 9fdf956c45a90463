// Supervises one replica: start the engine, wait for readiness, report it up, restart it with backoff when it exits.
import { silentLogger, type Logger } from "../../runtime/log.ts";
import { engineArgv } from "../engines/mod.ts";
import { abortableSleep } from "../llm/abort.ts";
import { startEngineProcess, type EngineProcess, type ProcessExit } from "./adapter/process.ts";
import { restartDelay, type ReplicaPlan } from "./plan.ts";
import { pickPort } from "./ports.ts";
import { waitReady } from "./readiness.ts";
import { logTail } from "./tail.ts";

/** Lifecycle of a replica. `failed` and `stopped` are final. */
export type ReplicaStateName = "idle" | "starting" | "ready" | "backoff" | "stopping" | "stopped" | "failed";

/** A replica that answers: what the manager registers. */
export type ReadyReplica = { plan: ReplicaPlan; url: string; origin: string; pid: number | undefined; started: Date };

export type ReplicaHooks = {
  /** The replica passed readiness (register it). */
  ready(r: ReadyReplica): Promise<void>;
  /** The replica stopped answering: it exited or is being stopped (deregister it). */
  down(r: ReadyReplica): Promise<void>;
  /** A start is about to happen (`restart` true after an exit). */
  starting?(plan: ReplicaPlan, restart: boolean): void;
};

const ALLOWED: Record<ReplicaStateName, readonly ReplicaStateName[]> = {
  idle: ["starting", "stopping"],
  starting: ["ready", "backoff", "stopping", "failed", "stopped"],
  ready: ["backoff", "stopping", "failed", "stopped"],
  backoff: ["starting", "stopping"],
  stopping: ["stopped"],
  stopped: [],
  failed: ["stopping"],
};

function describeExit(e: ProcessExit): string {
  if (e.error !== null) return e.error;
  if (e.signal !== null) return `killed by ${e.signal}`;
  return `exit code ${e.code}`;
}

/** The address a local probe reaches when the engine binds every interface. */
function probeHost(bind: string): string {
  if (bind === "0.0.0.0" || bind === "") return "127.0.0.1";
  if (bind === "::") return "[::1]";
  return bind.includes(":") ? `[${bind}]` : bind;
}

/**
 * One replica's supervision loop. Invariants: at most one engine process at a time; a replica is registered
 * only between readiness and the moment its process is seen to exit or is told to stop; every process group it
 * started is signalled SIGKILL after its leader exits, so forked workers never outlive it.
 *
 * @example
 * const r = new ReplicaSupervisor(plan, { taken, hooks, log });
 * r.start();
 * ...
 * await r.stop();
 */
export class ReplicaSupervisor {
  readonly plan: ReplicaPlan;
  #state: ReplicaStateName = "idle";
  #proc: EngineProcess | undefined;
  #port: number | undefined;
  #ready: ReadyReplica | undefined;
  #loop: Promise<void> | undefined;
  #error: string | undefined;
  #restarts = 0;
  readonly #stop = new AbortController();
  readonly #taken: Set<number>;
  readonly #hooks: ReplicaHooks;
  readonly #log: Logger;

  constructor(plan: ReplicaPlan, deps: { taken: Set<number>; hooks: ReplicaHooks; log?: Logger }) {
    this.plan = plan;
    this.#taken = deps.taken;
    this.#hooks = deps.hooks;
    this.#log = (deps.log ?? silentLogger).child({ service: plan.service, replica: plan.index });
  }

  get state(): ReplicaStateName {
    return this.#state;
  }

  /** The engine's pid while it runs. */
  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** Why the replica was given up (state `failed`). */
  get error(): string | undefined {
    return this.#error;
  }

  /** Resolves when the loop ends: the replica is `stopped` or `failed`. */
  get done(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** Starts the supervision loop (once). */
  start(): void {
    if (this.#loop !== undefined) throw new Error(`replica ${this.plan.service}/${this.plan.index} already started`);
    this.#loop = this.#run().catch((err: unknown) => {
      this.#error = `${this.plan.service} replica ${this.plan.index}: supervisor error: ${String(err)}`;
      this.#log.error("replica supervisor failed", { error: String(err) });
      if (this.#state !== "stopping" && this.#state !== "stopped") this.#state = "failed";
    });
  }

  /** Deregisters, then stops the process group: SIGTERM, SIGKILL after the grace period. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    if (this.#state !== "stopping") this.#to("stopping");
    this.#stop.abort(new Error("replica stopping"));
    await this.#markDown();
    const proc = this.#proc;
    if (proc !== undefined) {
      proc.signalGroup("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), abortableSleep(this.plan.stop_grace_ms).then(() => false)]);
      // Also after a clean exit: workers the engine forked may still hold GPUs.
      proc.signalGroup("SIGKILL");
      if (!exited) await proc.exited;
    }
    await this.#loop;
    if (this.#state === "stopping") this.#to("stopped");
  }

  #to(next: ReplicaStateName): void {
    if (!ALLOWED[this.#state].includes(next)) throw new Error(`replica ${this.plan.service}/${this.plan.index}: ${this.#state} → ${next} is not allowed`);
    this.#state = next;
  }

  async #markDown(): Promise<void> {
    const r = this.#ready;
    this.#ready = undefined;
    if (r === undefined) return;
    try {
      await this.#hooks.down(r);
    } catch (err) {
      this.#log.warn("replica: deregistration failed", { error: String(err) });
    }
  }

  async #run(): Promise<void> {
    const p = this.plan;
    const stop = this.#stop.signal;
    let fastCrashes = 0;
    let consecutive = 0;
    for (let attempt = 0; !stop.aborted; attempt++) {
      this.#to("starting");
      this.#hooks.starting?.(p, attempt > 0);
      const port = await pickPort(p.launch.host, p.ports, this.#taken, this.#port);
      if (this.#port !== undefined && this.#port !== port) this.#taken.delete(this.#port);
      this.#port = port;
      const argv = engineArgv({ ...p.launch, port }, p.container);
      const origin = `http://${probeHost(p.launch.host)}:${port}`;
      const url = `http://${p.advertise_host.includes(":") ? `[${p.advertise_host}]` : p.advertise_host}:${port}/v1`;
      const proc = startEngineProcess(argv, { env: p.env, logPath: p.log_path, header: `${p.service} replica ${p.index} start ${attempt + 1}` });
      this.#proc = proc;
      const started = Date.now();
      this.#log.info("replica starting", { pid: proc.pid, port, gpus: p.gpus.join(",") || undefined, log: p.log_path });

      const gone = new AbortController();
      let exit: ProcessExit | undefined;
      void proc.exited.then((e) => {
        exit = e;
        gone.abort(new Error("engine exited"));
      });
      let notReady: string | undefined;
      try {
        const r = await waitReady(origin, { timeout_ms: p.readiness_timeout_ms, signal: AbortSignal.any([gone.signal, stop]) });
        if (!r.ready) notReady = r.reason;
        else if (!stop.aborted) {
          this.#to("ready");
          this.#ready = { plan: p, url, origin, pid: proc.pid, started: new Date() };
          this.#log.info("replica ready", { url, pid: proc.pid, after_s: Math.round((Date.now() - started) / 100) / 10 });
          await this.#hooks.ready(this.#ready);
        }
      } catch {
        // The engine exited or the manager is stopping: handled below.
      }
      if (notReady !== undefined && !stop.aborted) {
        this.#log.error("replica not ready: stopping it", { reason: notReady });
        proc.signalGroup("SIGTERM");
        const quit = await Promise.race([proc.exited.then(() => true), abortableSleep(p.stop_grace_ms, stop).then(() => false, () => false)]);
        if (!quit) proc.signalGroup("SIGKILL");
      }
      const ended = exit ?? (await Promise.race([proc.exited, new Promise<undefined>((resolve) => stop.addEventListener("abort", () => resolve(undefined), { once: true }))]));
      if (stop.aborted || ended === undefined) return;
      proc.signalGroup("SIGKILL");
      this.#proc = undefined;
      const wasReady = this.#ready !== undefined;
      await this.#markDown();
      const ranMs = Date.now() - started;
      const why = notReady ?? describeExit(ended);
      this.#log.warn("replica exited", { reason: why, ran_s: Math.round(ranMs / 1000), pid: proc.pid });

      const policy = p.restart.policy;
      if (policy === "never" || (policy === "on-failure" && ended.code === 0 && notReady === undefined)) {
        this.#error = `${p.service} replica ${p.index}: ${why}; restart policy "${policy}"`;
        this.#to("failed");
        return;
      }
      const fast = !wasReady || ranMs < p.restart.fast_crash_ms;
      fastCrashes = fast ? fastCrashes + 1 : 0;
      consecutive = fast ? consecutive + 1 : 1;
      if (fastCrashes >= p.restart.max_fast_crashes) {
        const tail = logTail(p.log_path, 15);
        this.#error =
          `${p.service} replica ${p.index}: crashed ${fastCrashes} times in a row within ${Math.round(p.restart.fast_crash_ms / 1000)} s ` +
          `of starting; giving up (last: ${why}). Log ${p.log_path}${tail ? ` ends with:\n${tail}` : " is empty"}`;
        this.#log.error("replica given up", { reason: why, crashes: fastCrashes, log: p.log_path });
        this.#to("failed");
        return;
      }
      this.#to("backoff");
      const delay = restartDelay(consecutive, p.restart);
      this.#log.info("replica restarting", { in_ms: delay });
      try {
        await abortableSleep(delay, stop);
      } catch {
        return;
      }
      this.#restarts++;
    }
  }
}
