// The job bucket `<ns>_jobs`: job records, progress, leases, idempotency keys and the index of unfinished jobs.
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { checkNamespace } from "../../bus/nats-names.ts";
import { lazyBucket } from "../../state/kv-bucket.ts";
import { parseJobLease, parseJobProgress, parseJobRecord, type JobLease, type JobProgress, type JobRecord } from "./record.ts";

const utf8 = new TextEncoder();
const json = (x: unknown) => utf8.encode(JSON.stringify(x));

/** A value with the revision it was read at (for compare-and-set updates). */
export type Versioned<T> = { value: T; revision: number };

/**
 * Keys: `job.<id>` (record), `progress.<id>` (counters of the admitting gateway), `lease.<id>` (who admits it),
 * `active.<id>` (present while the job is not finished: what gateways scan to resume admission),
 * `idem.<hash>` (job id of an idempotency key). Every gateway on the namespace reads and writes the same keys:
 * the gateway itself keeps no job state.
 */
export class JobStore {
  readonly bucket: string;
  readonly #open: () => Promise<KV>;

  constructor(nc: NatsConnection, opts: { namespace?: string; replicas?: number } = {}) {
    this.bucket = `${checkNamespace(opts.namespace ?? "mx")}_jobs`;
    this.#open = lazyBucket(nc, this.bucket, opts.replicas ?? 1);
  }

  kv(): Promise<KV> {
    return this.#open();
  }

  async #read<T>(key: string, parse: (x: unknown) => T): Promise<Versioned<T> | undefined> {
    const e = await (await this.kv()).get(key);
    if (!e || e.operation !== "PUT" || e.length === 0) return undefined;
    return { value: parse(e.json()), revision: e.revision };
  }

  /** Stores a new job: fails (throws) when the id exists. */
  async create(job: JobRecord): Promise<void> {
    const kv = await this.kv();
    await kv.create(`job.${job.id}`, json(job));
    await kv.put(`active.${job.id}`, json({ created_at: job.created_at }));
  }

  get(id: string): Promise<Versioned<JobRecord> | undefined> {
    return this.#read(`job.${id}`, parseJobRecord);
  }

  /**
   * Changes a job with compare-and-set: `change` gets the current record and returns the new one (or undefined
   * to leave it). Retried on a concurrent write. Returns the record as stored.
   */
  async update(id: string, change: (job: JobRecord) => JobRecord | undefined): Promise<JobRecord | undefined> {
    const kv = await this.kv();
    for (let attempt = 0; attempt < 20; attempt++) {
      const cur = await this.get(id);
      if (!cur) return undefined;
      const next = change(cur.value);
      if (!next) return cur.value;
      try {
        await kv.update(`job.${id}`, json(next), cur.revision);
      } catch (err) {
        if (isWrongSequence(err)) continue;
        throw err;
      }
      if (next.status === "succeeded" || next.status === "failed" || next.status === "cancelled") await kv.delete(`active.${id}`);
      return next;
    }
    throw new Error(`job ${id}: too many concurrent updates`);
  }

  /** Job ids, newest first (ids sort by creation time). */
  async ids(prefix = "job"): Promise<string[]> {
    const out: string[] = [];
    for await (const k of await (await this.kv()).keys(`${prefix}.>`)) out.push(k.slice(prefix.length + 1));
    return out.sort().reverse();
  }

  /** Ids of jobs not finished yet (oldest first). */
  async activeIds(): Promise<string[]> {
    return (await this.ids("active")).reverse();
  }

  async putProgress(id: string, p: JobProgress): Promise<void> {
    await (await this.kv()).put(`progress.${id}`, json(p));
  }

  async getProgress(id: string): Promise<JobProgress | undefined> {
    return (await this.#read(`progress.${id}`, parseJobProgress))?.value;
  }

  getLease(id: string): Promise<Versioned<JobLease> | undefined> {
    return this.#read(`lease.${id}`, parseJobLease);
  }

  /** Writes a lease if the key is still at `revision` (0: absent). Returns the new revision, or undefined when lost. */
  async casLease(id: string, lease: JobLease, revision: number): Promise<number | undefined> {
    const kv = await this.kv();
    try {
      return revision === 0 ? await kv.create(`lease.${id}`, json(lease)) : await kv.update(`lease.${id}`, json(lease), revision);
    } catch (err) {
      if (isWrongSequence(err) || /exists/i.test(String(err))) return undefined;
      throw err;
    }
  }

  async dropLease(id: string): Promise<void> {
    await (await this.kv()).delete(`lease.${id}`);
  }

  /** The job id stored under an idempotency key, or stores `id` there; returns the id that holds the key. */
  async claimIdempotencyKey(hash: string, id: string): Promise<string> {
    const kv = await this.kv();
    try {
      await kv.create(`idem.${hash}`, json({ id }));
      return id;
    } catch (err) {
      const e = await kv.get(`idem.${hash}`);
      const held = e?.operation === "PUT" ? (e.json() as { id?: unknown }).id : undefined;
      if (typeof held === "string") return held;
      throw err;
    }
  }
}

function isWrongSequence(err: unknown): boolean {
  const text = String((err as Error)?.message ?? err);
  return /wrong last sequence|10071/i.test(text) || (err as { code?: unknown })?.code === 10071;
}
