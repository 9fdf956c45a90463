// The simulated LLM's HTTP routes as a Hono app (runs unchanged on Node, Deno and Bun).
import { Hono, type Context } from "hono";
import type { SimEngine, SimResponse } from "./engine.ts";
import { apiError } from "./errors.ts";
import type { SimRoute } from "./request.ts";

const encoder = new TextEncoder();

/**
 * Routes: `POST /v1/chat/completions`, `POST /v1/completions` (JSON or SSE with `stream: true`),
 * `GET /v1/models`, `GET /health`, `GET /metrics` (Prometheus text).
 * @example const res = await createSimApp(engine).request("/v1/models");
 */
export function createSimApp(engine: SimEngine): Hono {
  const app = new Hono();
  app.post("/v1/chat/completions", (c) => generate(c, engine, "chat"));
  app.post("/v1/completions", (c) => generate(c, engine, "completions"));
  app.get("/v1/models", (c) => c.json(engine.models()));
  app.get("/health", (c) => c.body(null, 200));
  app.get("/metrics", async (c) => c.body(await engine.metrics.text(), 200, { "content-type": engine.metrics.contentType }));
  app.notFound((c) => {
    const e = apiError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`);
    return c.json(e.body, 404);
  });
  app.onError((err, c) => {
    const e = apiError(500, "internal_error", err.message);
    return c.json(e.body, 500);
  });
  return app;
}

async function generate(c: Context, engine: SimEngine, route: SimRoute): Promise<Response> {
  // Read the signal first: the Node adapter only aborts signals that exist when the client goes away.
  const signal = c.req.raw.signal;
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    body = undefined;
  }
  let res: SimResponse;
  try {
    res = await engine.handle(route, body, { signal });
  } catch (err) {
    if (signal.aborted) return new Response(null, { status: 499 });
    throw err;
  }
  if (res.kind === "json") {
    return new Response(JSON.stringify(res.body), { status: res.status, headers: { "content-type": "application/json", ...res.headers } });
  }
  return new Response(sse(res.chunks), {
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...res.headers },
  });
}

/** SSE framing of a chunk stream: `data: {json}` per chunk, then `data: [DONE]`. */
function sse(chunks: AsyncGenerator<Record<string, unknown>, void, undefined>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      try {
        const r = await chunks.next();
        if (r.done) {
          ctrl.enqueue(encoder.encode("data: [DONE]\n\n"));
          ctrl.close();
        } else {
          ctrl.enqueue(encoder.encode(`data: ${JSON.stringify(r.value)}\n\n`));
        }
      } catch (err) {
        ctrl.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
