// Options of the NATS JetStream bus: what callers may set, and the compiled form the bus runs on.
import { silentLogger, type Logger } from "../log.ts";
import { checkNamespace } from "./nats-names.ts";

/** What a caller may set; every field is optional and documented with its default. */
export type NatsBusOptions = {
  /** Prefix of every subject, stream and bucket, so deployments can share one NATS cluster. Default `"mx"`. */
  namespace?: string;
  /** Replicas of the work stream (and its consumers): 1, or 3 on a cluster. Default 1. */
  replicas?: number;
  /** Stream storage. Default `"file"`. */
  storage?: "file" | "memory";
  /** A delivery not acked and not `working()` for this long is redelivered (ms). Default 30 000. */
  ackWaitMs?: number;
  /**
   * Deliveries of one hop before JetStream stops redelivering it. The delivery with `attempt >= maxDeliver` has
   * `lastAttempt: true`; if it ends unsettled anyway, one more "final" delivery (from the server's max-deliveries
   * advisory) gives the host a last chance to write the error row. Default 5.
   */
  maxDeliver?: number;
  /** How long a `Nats-Msg-Id` (dedup id `run/task/hop`) is remembered by the stream (ms). Default 120 000. */
  duplicateWindowMs?: number;
  /** Unacked deliveries allowed per role over all processes (server-side cap). Default 10 000. */
  maxAckPending?: number;
  /** Lifetime of one pull request (ms): an idle consumer re-pulls this often; bounds the stall after a failover. Default 5 000. */
  pullExpiresMs?: number;
  /** Redelivery delay for a handler that returned or threw without settling (ms). Default 1 000. */
  unsettledRetryMs?: number;
  /** Send `working()` for every handler running longer than a quarter of `ackWaitMs`. Default true. */
  autoWorking?: boolean;
  /** Timeout of JetStream API calls, publish acks and ack confirmations (ms). Default 5 000. */
  apiTimeoutMs?: number;
  /**
   * Wait for the server to confirm each ack. Default false: an ack is sent after the next hop is published with
   * its dedup id, so a lost ack (a consumer leader election) costs a redelivery whose next hop is dropped as a
   * duplicate, never a second effect; confirming costs a round trip per hop. Naks and terms are always confirmed.
   */
  confirmAcks?: boolean;
  /** How long `publish` keeps retrying while the stream cannot answer (leader election, reconnect) (ms). Default 30 000. */
  publishRetryMs?: number;
  /** `close()` also drains and closes the connection. Default false: whoever opened the connection closes it. */
  ownsConnection?: boolean;
  /** Where setup errors and unconfirmed acks are reported. Default: silent. */
  log?: Logger;
};

/** The fully filled options the bus runs on. */
export type CompiledNatsBusOptions = {
  namespace: string;
  replicas: number;
  storage: "file" | "memory";
  ackWaitMs: number;
  maxDeliver: number;
  duplicateWindowMs: number;
  maxAckPending: number;
  pullExpiresMs: number;
  unsettledRetryMs: number;
  autoWorking: boolean;
  apiTimeoutMs: number;
  confirmAcks: boolean;
  publishRetryMs: number;
  ownsConnection: boolean;
  log: Logger;
};

function positive(name: string, value: number, min = 1): number {
  if (!Number.isFinite(value) || value < min) throw new Error(`bus: ${name} must be a number >= ${min} (got ${value})`);
  return value;
}

/** Fills defaults and checks ranges; throws a one-line error naming the bad option. */
export function compileNatsBusOptions(opts: NatsBusOptions = {}): CompiledNatsBusOptions {
  return {
    namespace: checkNamespace(opts.namespace ?? "mx"),
    replicas: positive("replicas", opts.replicas ?? 1),
    storage: opts.storage ?? "file",
    ackWaitMs: positive("ackWaitMs", opts.ackWaitMs ?? 30_000, 100),
    maxDeliver: positive("maxDeliver", opts.maxDeliver ?? 5),
    duplicateWindowMs: positive("duplicateWindowMs", opts.duplicateWindowMs ?? 120_000, 100),
    maxAckPending: positive("maxAckPending", opts.maxAckPending ?? 10_000),
    // The server rejects pull requests that expire in under a millisecond or so; 1 s keeps requests meaningful.
    pullExpiresMs: positive("pullExpiresMs", opts.pullExpiresMs ?? 5_000, 1_000),
    unsettledRetryMs: positive("unsettledRetryMs", opts.unsettledRetryMs ?? 1_000, 0),
    autoWorking: opts.autoWorking ?? true,
    apiTimeoutMs: positive("apiTimeoutMs", opts.apiTimeoutMs ?? 5_000, 100),
    confirmAcks: opts.confirmAcks ?? false,
    publishRetryMs: positive("publishRetryMs", opts.publishRetryMs ?? 30_000, 0),
    ownsConnection: opts.ownsConnection ?? false,
    log: opts.log ?? silentLogger,
  };
}
