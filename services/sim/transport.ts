// The in-process path to an engine: the LLM client's Transport interface without a socket.
import type { Transport, TransportResponse } from "../llm/transport.ts";
import type { SimEngine, SimHandleOptions, SimResponse } from "./engine.ts";
import { apiError } from "./errors.ts";
import type { SimRoute } from "./request.ts";

/** The route of a URL path ending in `/chat/completions` or `/completions`, else undefined. */
export function routeOfUrl(url: string): SimRoute | undefined {
  if (url.endsWith("/chat/completions")) return "chat";
  const path = url.replace(/[?#].*$/, "").replace(/\/+$/, "");
  if (path.endsWith("/chat/completions")) return "chat";
  if (path.endsWith("/completions")) return "completions";
  return undefined;
}

/**
 * A Transport that hands requests straight to `engine`: the same validation, statuses and bodies as over HTTP
 * (streaming excepted: `stream: true` is a 400 here).
 * @example createLlmResource(config, { transport: simTransport(engine) })
 */
export function simTransport(engine: SimEngine): Transport {
  return {
    // engine.handle rejects as soon as the request's signal aborts, and gives the request up at its timeout.
    honorsSignal: true,
    handlesTimeout: true,
    // Not an async function: one promise layer less on every in-process call.
    post(req): Promise<TransportResponse> {
      const route = routeOfUrl(req.url);
      if (route === undefined) return Promise.resolve(new SimResponseView({ kind: "json", ...apiError(404, "not_found", `no route for ${req.url}`) }));
      const opts: SimHandleOptions = { allowStream: false };
      if (req.signal !== undefined) opts.signal = req.signal;
      if (req.timeoutMs !== undefined) opts.timeoutMs = req.timeoutMs;
      return engine.handle(route, req.body, opts).then(toView);
    },
  };
}

function toView(res: SimResponse): TransportResponse {
  if (res.kind !== "json") throw new Error("simulated LLM answered a stream in-process");
  return new SimResponseView(res);
}

/** An engine's JSON answer as the client reads it; methods on the prototype, so a response is one object. */
class SimResponseView implements TransportResponse {
  readonly status: number;
  readonly #res: Extract<SimResponse, { kind: "json" }>;
  constructor(res: Extract<SimResponse, { kind: "json" }>) {
    this.status = res.status;
    this.#res = res;
  }
  header(name: string): string | null {
    const headers = this.#res.headers;
    const wanted = name.toLowerCase();
    for (const k in headers) if (k.toLowerCase() === wanted) return headers[k] ?? null;
    return null;
  }
  json(): Promise<unknown> {
    return Promise.resolve(this.#res.body);
  }
}
