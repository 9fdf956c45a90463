// The results stream: one row per task on `<ns>.results.<run>`, stored once per task by the dedup id `run/task`.
import { DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/nats-core";
import { backoffDelay } from "../backoff.ts";
import { transient } from "../bus/nats.ts";
import { JetStreamPublisher } from "../bus/nats-publisher.ts";
import { ensureStream } from "../bus/nats-setup.ts";
import { checkNamespace, subjectToken } from "../bus/nats-names.ts";
import { RetryableError } from "../errors.ts";

/** How long a follower may stay silent while newer results exist before its consumer is replaced (ms). */
const FOLLOW_STALL_MS = 3_000;
/** Results asked for in one pull while following. */
const FOLLOW_BATCH = 1_000;
/** How long following may fail without a break before the caller is told (ms). */
const FOLLOW_GIVE_UP_MS = 60_000;

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

/** One stored result: the row and its task, and the row's JSON as stored when it is one line (copied as it is). */
export type StoredResult = { task: string; row: Record<string, unknown>; line?: string };

const utf8 = new TextEncoder();
const decoder = new TextDecoder();
const LINE_BREAK = /[\r\n]/;
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
  readonly #publisher: JetStreamPublisher;
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
    this.#publisher = JetStreamPublisher.for(nc);
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
      await ensureStream(jsm, config);
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
        const ack = await this.#publisher.publish(subject, data, { msgId: `${run}/${task}`, expectStream: this.stream, timeoutMs: this.#timeout });
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
   * Calls `onResult` for every result of `run`, stored or still to come, in stream order, once each. Follows with
   * an ordered consumer and starts a new one after the last sequence it saw whenever the old one ends, fails, or
   * falls silent while the stream holds newer results of the run (a failover can leave an ordered consumer of
   * nats-server 2.9 stalled without an error). A message that is not a JSON object with a string `task` is
   * passed as null. Failures are retried; `onError` is called (and following ends) only when it has failed without
   * a break for `FOLLOW_GIVE_UP_MS`. Returns a function that stops following.
   */
  follow(run: string, onResult: (r: StoredResult | null) => void, onError: (err: unknown) => void): () => Promise<void> {
    const subject = this.subject(run);
    let stopped = false;
    let stopIter: (() => void) | undefined;
    let wake: (() => void) | undefined;
    let nextSeq = 0;
    let lastMessageAt = Date.now();
    let failingSince: number | undefined;
    // The watchdog: a consumer that has delivered nothing for a while although the stream has newer results is
    // replaced. One cheap stream-info call per period.
    const watchdog = setInterval(() => {
      if (stopped || Date.now() - lastMessageAt < FOLLOW_STALL_MS) return;
      void this.#lastSeq(subject).then(
        (last) => {
          if (!stopped && last >= nextSeq && Date.now() - lastMessageAt >= FOLLOW_STALL_MS) stopIter?.();
        },
        () => {},
      );
    }, FOLLOW_STALL_MS);
    (watchdog as { unref?: () => void }).unref?.();
    const loop = (async () => {
      for (let attempt = 0; !stopped; attempt++) {
        try {
          await this.ready();
          const consumer = await this.#js.consumers.get(
            this.stream,
            nextSeq > 0
              ? { filter_subjects: subject, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: nextSeq }
              : { filter_subjects: subject, deliver_policy: DeliverPolicy.All },
          );
          // Pulls of 1,000 (re-pulled at 750 buffered): the client's default of 100 sends a pull request for
          // every 25 results, which at thousands of tasks a second is work for the server and this process.
          const msgs = await consumer.consume({ max_messages: FOLLOW_BATCH });
          stopIter = () => void msgs.stop();
          if (stopped) msgs.stop();
          lastMessageAt = Date.now();
          failingSince = undefined;
          for await (const m of msgs) {
            attempt = 0;
            lastMessageAt = Date.now();
            if (m.seq < nextSeq) continue;
            nextSeq = m.seq + 1;
            let row: unknown = null;
            const text = decoder.decode(m.data);
            try {
              row = JSON.parse(text);
            } catch {
              // Not JSON: passed on as null.
            }
            const task = (row as { task?: unknown } | null)?.task;
            if (typeof task !== "string" || typeof row !== "object" || row === null || Array.isArray(row)) onResult(null);
            // Rows are stored as JSON.stringify wrote them: that text is the output line, unless it spans lines.
            else if (LINE_BREAK.test(text)) onResult({ task, row: row as Record<string, unknown> });
            else onResult({ task, row: row as Record<string, unknown>, line: text });
          }
        } catch (err) {
          if (stopped) break;
          failingSince ??= Date.now();
          if (Date.now() - failingSince >= FOLLOW_GIVE_UP_MS) {
            onError(err);
            break;
          }
        }
        if (stopped) break;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, backoffDelay(attempt + 1, { initial_ms: 200, max_ms: 2_000, multiplier: 2 }));
        });
      }
    })().finally(() => clearInterval(watchdog));
    return async () => {
      stopped = true;
      stopIter?.();
      wake?.();
      await loop;
    };
  }

  /** The last stream sequence holding a result of this subject (0 when none). */
  async #lastSeq(subject: string): Promise<number> {
    const jsm = await this.ready();
    try {
      const m = await jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return m?.seq ?? 0;
    } catch {
      return 0;
    }
  }

  /** Removes a run's results (after its rows are safely in the output file). */
  async purge(run: string): Promise<void> {
    const jsm = await this.ready();
    await jsm.streams.purge(this.stream, { filter: this.subject(run) });
  }
}
