// Which gateway admits which job: leases in the job bucket, taken over when their holder stops renewing them.
import { ensureError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { Deployment } from "../../modes/deployment.ts";
import { TERMINAL } from "./record.ts";
import { JobRunner } from "./runner.ts";
import type { JobStore } from "./store.ts";

export type SupervisorOptions = {
  deployment: Deployment;
  store: JobStore;
  /** This gateway's id; a restarted gateway with the same id takes its own leases back at once. */
  owner: string;
  /** A lease not renewed for this long may be taken by another gateway (ms). */
  leaseMs: number;
  /** How often unfinished jobs are looked for (ms). */
  scanMs: number;
  progressMs: number;
  log: Logger;
};

/**
 * Resumes and runs unfinished jobs. Invariant: a job is admitted only by the holder of its lease `lease.<id>`,
 * written with compare-and-set and renewed every third of `leaseMs`; a holder that cannot renew stops admitting
 * before its lease can expire, so two gateways never admit one job at the same time (clocks within `leaseMs/3`).
 */
export class JobSupervisor {
  readonly #opts: SupervisorOptions;
  readonly #runners = new Map<string, { runner: JobRunner; revision: number }>();
  readonly #scanTimer: ReturnType<typeof setInterval>;
  readonly #renewTimer: ReturnType<typeof setInterval>;
  #scanning: Promise<void> | undefined;
  #closed = false;

  constructor(opts: SupervisorOptions) {
    this.#opts = opts;
    this.#scanTimer = setInterval(() => void this.kick(), opts.scanMs);
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(50, Math.floor(opts.leaseMs / 3)));
  }

  /** Jobs admitted by this gateway now. */
  get running(): string[] {
    return [...this.#runners.keys()];
  }

  /** Looks for unfinished jobs without a live lease now (after a submit, and on a timer). */
  kick(): Promise<void> {
    this.#scanning ??= this.#scan()
      .catch((err: unknown) => this.#opts.log.warn("job scan failed", { error: ensureError(err).message }))
      .finally(() => (this.#scanning = undefined));
    return this.#scanning;
  }

  async #scan(): Promise<void> {
    const { store, owner, leaseMs } = this.#opts;
    for (const id of await store.activeIds()) {
      if (this.#closed) return;
      if (this.#runners.has(id)) continue;
      const job = await store.get(id);
      if (!job || TERMINAL.has(job.value.status)) {
        await (await store.kv()).delete(`active.${id}`);
        continue;
      }
      const lease = await store.getLease(id);
      if (lease && lease.value.owner !== owner && lease.value.until > Date.now()) continue;
      const revision = await store.casLease(id, { owner, until: Date.now() + leaseMs }, lease?.revision ?? 0);
      if (revision === undefined || this.#closed) continue;
      const runner = new JobRunner(job.value, { deployment: this.#opts.deployment, store, owner, progressMs: this.#opts.progressMs, log: this.#opts.log });
      this.#runners.set(id, { runner, revision });
      this.#opts.log.info("admitting job", { job: id, workflow: job.value.workflow });
      void runner.done.finally(() => this.#runners.delete(id));
    }
  }

  async #renew(): Promise<void> {
    const { store, owner, leaseMs } = this.#opts;
    for (const [id, held] of this.#runners) {
      if (held.runner.ending) continue;
      try {
        const rev = await store.casLease(id, { owner, until: Date.now() + leaseMs }, held.revision);
        if (rev !== undefined) {
          held.revision = rev;
          continue;
        }
        // The lease was taken over (or dropped at the job's end): stop admitting this job.
        if (this.#runners.get(id) === held) {
          this.#opts.log.warn("lost the lease of a job; another gateway admits it", { job: id });
          held.runner.stop();
        }
      } catch (err) {
        this.#opts.log.warn("cannot renew a job lease", { job: id, error: ensureError(err).message });
      }
    }
  }

  /** Stops every runner (jobs stay unfinished) and hands their leases back so another gateway resumes them at once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#scanTimer);
    clearInterval(this.#renewTimer);
    await this.#scanning;
    const held = [...this.#runners.entries()];
    for (const [, h] of held) h.runner.stop();
    for (const [id, h] of held) {
      await h.runner.done;
      try {
        await this.#opts.store.dropLease(id);
      } catch (err) {
        this.#opts.log.warn("cannot hand back a job lease", { job: id, error: ensureError(err).message });
      }
    }
  }
}
