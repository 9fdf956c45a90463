// Connects to NATS: the one place that opens a NATS connection and picks the transport for the JS runtime.
import type { ConnectionOptions, NatsConnection } from "@nats-io/nats-core";
import { connect as connectNode } from "@nats-io/transport-node";

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
      return connectNode(co);
  }
}
