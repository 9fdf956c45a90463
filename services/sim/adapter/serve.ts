// Serving a fetch handler on Node (@hono/node-server), Deno (Deno.serve) or Bun (Bun.serve): the one runtime-specific file.
import type { AddressInfo } from "node:net";

export type FetchHandler = (req: Request) => Response | Promise<Response>;

/** A listening server: the port it got (useful with port 0) and an idempotent close. */
export type Listening = { port: number; close(): Promise<void> };

type DenoServer = { addr: { port: number }; shutdown(): Promise<void> };
type DenoLike = { serve(opts: { hostname: string; port: number; onListen?: () => void }, handler: FetchHandler): DenoServer };
type BunServer = { port: number; stop(closeActive?: boolean): void | Promise<void> };
type BunLike = { serve(opts: { hostname: string; port: number; fetch: FetchHandler; idleTimeout?: number }): BunServer };

/** How long close() lets in-flight responses finish before cutting connections (ms). */
const CLOSE_GRACE_MS = 1_000;

/**
 * Listens on `hostname:port` (0 = a free port) with `fetch` as the handler.
 * @example const l = await serveFetch(app.fetch, { hostname: "127.0.0.1", port: 0 }); await l.close();
 */
export async function serveFetch(fetch: FetchHandler, opts: { hostname: string; port: number }): Promise<Listening> {
  const g = globalThis as { Deno?: DenoLike; Bun?: BunLike };
  if (g.Deno !== undefined) {
    const server = g.Deno.serve({ hostname: opts.hostname, port: opts.port, onListen: () => {} }, fetch);
    let closing: Promise<void> | undefined;
    return { port: server.addr.port, close: () => (closing ??= server.shutdown()) };
  }
  if (g.Bun !== undefined) {
    // idleTimeout 0: long simulated generations must not be cut by Bun's 10 s default.
    const server = g.Bun.serve({ hostname: opts.hostname, port: opts.port, fetch, idleTimeout: 0 });
    let closing: Promise<void> | undefined;
    return { port: server.port, close: () => (closing ??= Promise.resolve(server.stop(true))) };
  }
  const { serve } = await import("@hono/node-server");
  // Handlers still running; close() waits for them (the engine answers them once closed) before cutting sockets.
  let inFlight = 0;
  const counted: FetchHandler = async (req) => {
    inFlight++;
    try {
      return await fetch(req);
    } finally {
      inFlight--;
    }
  };
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const s = serve({ fetch: counted, hostname: opts.hostname, port: opts.port }, (info: AddressInfo) => resolve({ server: s, port: info.port }));
    s.once("error", reject);
  });
  const http = server as import("node:http").Server;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      http.close(() => resolve());
      // Keep-alive and never-used sockets would hold close() open: cut them once the answers are out.
      const deadline = Date.now() + CLOSE_GRACE_MS;
      const poll = () => {
        if (inFlight > 0 && Date.now() < deadline) {
          setTimeout(poll, 5);
          return;
        }
        setTimeout(() => http.closeAllConnections?.(), 10);
      };
      poll();
    }));
  return { port, close };
}
