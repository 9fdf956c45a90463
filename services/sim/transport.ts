// The in-process path to an engine: the LLM client's Transport interface without a socket.
import type { Transport, TransportResponse } from "../llm/transport.ts";
import type { SimEngine } from "./engine.ts";
import { apiError } from "./errors.ts";
import type { SimRoute } from "./request.ts";

/** The route of a URL path ending in `/chat/completions` or `/completions`, else undefined. */
export function routeOfUrl(url: string): SimRoute | undefined {
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
    // engine.handle rejects as soon as the request's signal aborts.
    honorsSignal: true,
    async post(req): Promise<TransportResponse> {
      const route = routeOfUrl(req.url);
      const res =
        route === undefined
          ? { kind: "json" as const, ...apiError(404, "not_found", `no route for ${req.url}`) }
          : await engine.handle(route, req.body, { signal: req.signal, allowStream: false });
      if (res.kind !== "json") throw new Error("simulated LLM answered a stream in-process");
      const headers = res.headers;
      const body = res.body;
      return {
        status: res.status,
        header: (name) => {
          const wanted = name.toLowerCase();
          for (const k in headers) if (k.toLowerCase() === wanted) return headers[k] ?? null;
          return null;
        },
        json: async () => body,
      };
    },
  };
}
