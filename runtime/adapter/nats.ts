// Connects to NATS: the one place that opens a NATS connection and picks the transport for the JS runtime.
import type { ConnectionOptions, NatsConnection } from "@nats-io/nats-core";
import { connect as connectNode } from "@nats-io/transport-node";
import { setImmediate } from "node:timers";

export type { NatsConnection } from "@nats-io/nats-core";

/** What a caller may set when connecting; everything has a default suited to long-running agents. */
export type NatsConnectOptions = {
  /** Client name shown by the server's monitoring (`matrix agent`, `matrix run`, ...). */
  name?: string;
  /** Timeout of the first connect (ms). Default 10 s. */
  timeoutMs?: number;
  /** Reconnect attempts per server before giving up; -1 (default) never gives up. */
  maxReconnectAttempts?: number;
  /** Wait between reconnect attempts (ms). Default 500. */
  reconnectTimeWaitMs?: number;
  /** Retry the first connect until `timeoutMs` instead of failing at once. Default false. */
  waitOnFirstConnect?: boolean;
  user?: string;
  pass?: string;
  token?: string;
};

/** The JavaScript runtime running this process: decides which NATS transport is used. */
export type JsRuntime = "node" | "bun" | "deno";

/** Detects the runtime from its globals (Bun and Deno also define `process`, so they are checked first). */
export function detectRuntime(): JsRuntime {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

function toConnectionOptions(servers: string[], opts: NatsConnectOptions): ConnectionOptions {
  const co: ConnectionOptions = {
    servers,
    name: opts.name ?? "matrix",
    timeout: opts.timeoutMs ?? 10_000,
    maxReconnectAttempts: opts.maxReconnectAttempts ?? -1,
    reconnectTimeWait: opts.reconnectTimeWaitMs ?? 500,
    waitOnFirstConnect: opts.waitOnFirstConnect ?? false,
    // Stack traces captured for every request cost more than a hop's whole bus work.
    noAsyncTraces: true,
  };
  if (opts.user !== undefined) co.user = opts.user;
  if (opts.pass !== undefined) co.pass = opts.pass;
  if (opts.token !== undefined) co.token = opts.token;
  return co;
}

/**
 * Opens a NATS connection to `servers` (one URL, a comma-separated list, or an array).
 * The caller owns the connection and must `close()` (or `drain()`) it.
 *
 * Transport per runtime: Node and Bun use `@nats-io/transport-node` (Bun implements `node:net`). Deno 2 runs the
 * same transport through its `node:net` compatibility layer; a native `@nats-io/transport-deno` (JSR) or
 * `wsconnect` (needs a websocket listener on the server) would be selected in the `deno` branch below.
 *
 * @example
 * const nc = await connectNats("nats://127.0.0.1:4222", { name: "matrix agent" });
 */
export async function connectNats(servers: string | string[], opts: NatsConnectOptions = {}): Promise<NatsConnection> {
  const list = (Array.isArray(servers) ? servers : servers.split(","))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new Error("connectNats: no NATS server URL given");
  const co = toConnectionOptions(list, opts);
  switch (detectRuntime()) {
    case "node":
    case "bun":
    case "deno":
      return coalesceWrites(await connectNode(co));
  }
}

// Pending bytes written at once rather than at the end of the turn (the client's own threshold is 32 KiB).
const WRITE_AT_BYTES = 256 * 1024;

/** The part of nats.js's protocol handler that sends: its pending buffer and the call that writes it out. */
type Sender = {
  outbound: { size(): number };
  pendingLimit: number;
  flushPending(): void;
  close(err?: Error): Promise<void>;
};

/**
 * Writes what a connection has to send once per turn of the event loop instead of once per microtask checkpoint.
 *
 * nats.js writes its pending commands at the next microtask checkpoint. Node runs one between any two callbacks,
 * so when answers arrive as separate events (LLM responses on their sockets, timers) every publish and every ack
 * becomes its own socket write, and the server reads them one by one (in bench/hop, writing once per turn cut
 * the CPU per task by a sixth, nats-server's by a quarter). Here the first command of a turn schedules one
 * write with `setImmediate`, after the poll phase has handed out everything that arrived; once 256 KiB are
 * pending they are written at once (the client's own threshold, 32 KiB, cut a source's burst of hops into many
 * small writes), and `close()` writes what is pending first. Latency added: at most one turn of the loop.
 * A client without this internal shape (another version) is left as it is.
 */
export function coalesceWrites(nc: NatsConnection): NatsConnection {
  const p = (nc as unknown as { protocol?: Partial<Sender> }).protocol;
  if (!p || typeof p.flushPending !== "function" || typeof p.close !== "function" || !p.outbound || typeof p.pendingLimit !== "number") return nc;
  const sender = p as Sender;
  sender.pendingLimit = Math.max(sender.pendingLimit, WRITE_AT_BYTES);
  const writeNow = sender.flushPending.bind(sender);
  const close = sender.close.bind(sender);
  let scheduled = false;
  const write = () => {
    scheduled = false;
    writeNow();
  };
  sender.flushPending = () => {
    if (sender.outbound.size() >= sender.pendingLimit) writeNow();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(write);
    }
  };
  sender.close = (err?: Error) => {
    writeNow();
    return close(err);
  };
  return nc;
}
