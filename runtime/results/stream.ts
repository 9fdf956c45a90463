// The results stream: one row per task on `<ns>.results.<run>`, stored once per task by the dedup id `run/task`.
import { DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/nats-core";
import { backoffDelay } from "../backoff.ts";
import { transient } from "../bus/nats.ts";
import { isApiError, JS_CODES } from "../bus/nats-setup.ts";
import { checkNamespace, subjectToken } from "../bus/nats-names.ts";
import { RetryableError } from "../errors.ts";

/** What a caller may set; every field has a default. */
export type ResultStreamOptions = {
  /** Same namespace as the bus. Default `"mx"`. */
  namespace?: string;
  /** Stream replicas: 1, or 3 on a cluster. Default 1. */
  replicas?: number;
  /** How long a task's dedup id is remembered (ms). Default 120 000. */
  duplicateWindowMs?: number;
  /** Timeout of each JetStream call (ms). Default 5 000. */
  apiTimeoutMs?: number;
  /** How long `publish` retries while the stream has no leader (ms). Default 30 000. */
  publishRetryMs?: number;
};

/** One stored result: the row and its task. */
export type StoredResult = { task: string; row: Record<string, unknown> };

const utf8 = new TextEncoder();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Rows of finished tasks in the stream `<ns>_results` (limits retention, file storage), on the subject
 * `<ns>.results.<run>`. Sinks publish with `Nats-Msg-Id: run/task`, so a redelivered final hop stores nothing new;
 * `matrix run` follows its run's subject from the start and copies rows to the output file.
 *
 * @example
 * const results = new ResultStream(nc, { namespace: "mx" });
 * await results.publish(run, task, row);
 * const stop = results.follow(run, (r) => writer.write(r.task, r.row));
 */
export class ResultStream {
  readonly nc: NatsConnection;
  readonly stream: string;
  readonly #ns: string;
  readonly #replicas: number;
  readonly #window: number;
  readonly #timeout: number;
  readonly #retryMs: number;
  readonly #js: JetStreamClient;
  #ready: Promise<JetStreamManager> | undefined;

  constructor(nc: NatsConnection, opts: ResultStreamOptions = {}) {
    this.nc = nc;
    this.#ns = checkNamespace(opts.namespace ?? "mx");
    this.stream = `${this.#ns}_results`;
    this.#replicas = opts.replicas ?? 1;
    this.#window = opts.duplicateWindowMs ?? 120_000;
    this.#timeout = opts.apiTimeoutMs ?? 5_000;
    this.#retryMs = opts.publishRetryMs ?? 30_000;
    this.#js = jetstream(nc, { timeout: this.#timeout });
  }

  /** The subject of a run's results. */
  subject(run: string): string {
    return `${this.#ns}.results.${subjectToken(run)}`;
  }

  /** Creates (or updates) the stream. Done on first use otherwise. */
  ready(): Promise<JetStreamManager> {
    this.#ready ??= (async () => {
      const jsm = await jetstreamManager(this.nc, { timeout: this.#timeout, checkAPI: false });
      const config = {
        name: this.stream,
        subjects: [`${this.#ns}.results.>`],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        num_replicas: this.#replicas,
        duplicate_window: nanos(this.#window),
        discard: DiscardPolicy.Old,
      };
      try {
        await jsm.streams.add(config);
      } catch (err) {
        if (!isApiError(err, JS_CODES.streamNameInUse)) throw err;
        const { name, ...update } = config;
        await jsm.streams.update(name, update);
      }
      return jsm;
    })().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /** Stores a task's row; false when the stream already held it (a redelivered final hop). */
  async publish(run: string, task: string, row: Record<string, unknown>): Promise<boolean> {
    await this.ready();
    const subject = this.subject(run);
    const data = utf8.encode(JSON.stringify(row));
    const deadline = Date.now() + this.#retryMs;
    let timedOut = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await this.#js.publish(subject, data, { msgID: `${run}/${task}`, expect: { streamName: this.stream }, timeout: this.#timeout });
        // A duplicate after a timed-out attempt is most likely that attempt's own message.
        return !ack.duplicate || timedOut;
      } catch (err) {
        if (!transient(err) || Date.now() >= deadline) {
          const why = err instanceof Error ? err.message : String(err);
          throw new RetryableError("bus_unavailable", `result of ${task} not stored on ${subject}: ${why}`, { cause: err });
        }
        if ((err as { name?: string }).name === "TimeoutError") timedOut = true;
        await sleep(backoffDelay(attempt, { initial_ms: 100, max_ms: 2_000, multiplier: 2 }, () => 0.5 + Math.random() / 2));
      }
    }
  }

  /** Results stored for a run so far. */
  async count(run: string): Promise<number> {
    const jsm = await this.ready();
    const subject = this.subject(run);
    const info = await jsm.streams.info(this.stream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  /**
   * Calls `onResult` for every result of `run`, stored or still to come, in stream order (an ordered consumer:
   * it starts over from the last seen sequence after a failover). A message that is not a JSON object with a
   * string `task` is passed as null. Returns a function that stops following.
   */
  follow(run: string, onResult: (r: StoredResult | null) => void, onError: (err: unknown) => void): () => Promise<void> {
    let stopped = false;
    let stopIter: (() => void) | undefined;
    const loop = (async () => {
      await this.ready();
      const consumer = await this.#js.consumers.get(this.stream, { filter_subjects: this.subject(run), deliver_policy: DeliverPolicy.All });
      const msgs = await consumer.consume();
      stopIter = () => void msgs.stop();
      if (stopped) msgs.stop();
      for await (const m of msgs) {
        let row: unknown = null;
        try {
          row = m.json();
        } catch {
          // Not JSON: passed on as null.
        }
        const task = (row as { task?: unknown } | null)?.task;
        onResult(typeof task === "string" ? { task, row: row as Record<string, unknown> } : null);
      }
    })().catch((err: unknown) => {
      if (!stopped) onError(err);
    });
    return async () => {
      stopped = true;
      stopIter?.();
      await loop;
    };
  }

  /** Removes a run's results (after its rows are safely in the output file). */
  async purge(run: string): Promise<void> {
    const jsm = await this.ready();
    await jsm.streams.purge(this.stream, { filter: this.subject(run) });
  }
}
