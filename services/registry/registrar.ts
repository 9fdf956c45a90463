// The writing side of the registry: puts a manager's ready replicas, re-puts them on a heartbeat, deletes them.
import { silentLogger, type Logger } from "../../runtime/log.ts";
import type { KV } from "./bucket.ts";
import { registryKey, type ReplicaEntry } from "./entry.ts";

export type RegistrarOptions = {
  /** Re-put period; keep it well under the bucket TTL (default 10 s against 30 s). */
  heartbeat_ms?: number;
  log?: Logger;
  /** Called before each heartbeat put: fresh fields (the load) for the entry. */
  refresh?: (entry: ReplicaEntry) => Promise<Partial<ReplicaEntry>>;
};

/**
 * Keeps entries alive in the registry bucket while they are registered.
 *
 * @example
 * const r = new Registrar(kv, { heartbeat_ms: 10_000 });
 * await r.register(entry);
 * ...
 * await r.close(); // deletes every entry it registered
 */
export class Registrar {
  readonly #kv: KV;
  readonly #log: Logger;
  readonly #refresh: RegistrarOptions["refresh"];
  readonly heartbeatMs: number;
  readonly #entries = new Map<string, ReplicaEntry>();
  readonly #timer: ReturnType<typeof setInterval>;
  #beating: Promise<void> | undefined;
  #closed = false;

  constructor(kv: KV, opts: RegistrarOptions = {}) {
    this.#kv = kv;
    this.#log = opts.log ?? silentLogger;
    this.#refresh = opts.refresh;
    this.heartbeatMs = opts.heartbeat_ms ?? 10_000;
    this.#timer = setInterval(() => {
      // One heartbeat at a time: a slow server must not pile up puts.
      this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    }, this.heartbeatMs);
  }

  /** Puts `entry` now and on every heartbeat until `deregister`. Returns its key. */
  async register(entry: Omit<ReplicaEntry, "heartbeat_ms">): Promise<string> {
    if (this.#closed) throw new Error("registrar is closed");
    const full: ReplicaEntry = { ...entry, heartbeat_ms: this.heartbeatMs };
    const key = registryKey(entry.service, entry.replica);
    this.#entries.set(key, full);
    await this.#kv.put(key, JSON.stringify(full));
    return key;
  }

  /** Deletes the entry (readers see the delete at once). */
  async deregister(key: string): Promise<void> {
    if (!this.#entries.delete(key)) return;
    await this.#kv.delete(key);
  }

  /** Keys currently registered. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  /** Stops the heartbeat and deletes every registered entry. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#beating;
    for (const key of this.keys()) {
      try {
        await this.deregister(key);
      } catch (err) {
        this.#log.warn("registry: could not deregister", { key, error: String(err) });
      }
    }
  }

  async #beat(): Promise<void> {
    for (const [key, entry] of [...this.#entries]) {
      try {
        const fresh = this.#refresh === undefined ? {} : await this.#refresh(entry);
        // Deregistered while refreshing: do not bring it back.
        if (!this.#entries.has(key) || this.#closed) continue;
        const next = { ...entry, ...fresh, heartbeat_ms: this.heartbeatMs };
        this.#entries.set(key, next);
        await this.#kv.put(key, JSON.stringify(next));
      } catch (err) {
        this.#log.warn("registry: heartbeat failed", { key, error: String(err) });
      }
    }
  }
}
