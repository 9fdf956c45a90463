// OpenAI-compatible pass-through: `POST /v1/chat/completions` (streaming included) and `GET /v1/models`.
import { Hono } from "hono";
import type { GatewayDeps, GatewayEnv } from "../context.ts";
import { HttpError } from "../http-error.ts";
import type { PickedReplica } from "../llm-pool.ts";

/** Response headers passed back from the replica (hop-by-hop and length headers are left to the server). */
const PASSED = ["content-type", "cache-control", "retry-after", "x-request-id"];

/** Releases the replica once the body has been read to the end (or the client went away). */
function releasing(body: ReadableStream<Uint8Array>, picked: PickedReplica): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          picked.release("ok");
          controller.close();
          return;
        }
        controller.enqueue(value);
      } catch (err) {
        picked.release("fail");
        controller.error(err);
      }
    },
    async cancel(reason) {
      picked.release("neutral");
      await reader.cancel(reason);
    },
  });
}

export function llmRoutes(deps: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const pool = () => {
    if (!deps.llm) throw new HttpError(503, "no_llm", "this gateway passes no LLM requests (no registry and no --llm-url)");
    return deps.llm;
  };

  app.get("/models", async (c) => c.json({ object: "list", data: await pool().models() }));

  app.post("/chat/completions", async (c) => {
    const llm = pool();
    const text = await c.req.text();
    let body: { model?: unknown; user?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (err) {
      throw new HttpError(400, "invalid_json", `the body is not valid JSON (${(err as Error).message})`);
    }
    if (typeof body !== "object" || body === null || typeof body.model !== "string") throw new HttpError(400, "invalid_request", "model: expected a string");
    // Sticky by conversation when the client names one (prefix-cache reuse), least outstanding otherwise.
    const key = c.req.header("x-session-id") ?? (typeof body.user === "string" ? body.user : undefined);
    const picked = await llm.pick(body.model, key);
    if (!picked) {
      deps.metrics.llmRequests.inc({ outcome: "no_replica" });
      throw new HttpError(404, "model_not_found", `no replica serves model "${body.model}"`);
    }
    // A service name resolves to the model its replicas serve.
    const forwarded = picked.model === body.model ? text : JSON.stringify({ ...body, model: picked.model });
    let upstream: Response;
    try {
      upstream = await fetch(`${picked.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: c.req.header("accept") ?? "application/json" },
        body: forwarded,
        signal: c.req.raw.signal,
      });
    } catch (err) {
      picked.release(c.req.raw.signal.aborted ? "neutral" : "fail");
      deps.metrics.llmRequests.inc({ outcome: "unreachable" });
      deps.log.warn("LLM replica unreachable", { request_id: c.get("requestId"), url: picked.url, error: String(err) });
      throw new HttpError(502, "upstream_unavailable", "the LLM replica did not answer");
    }
    deps.metrics.llmRequests.inc({ outcome: upstream.ok ? "ok" : `http_${upstream.status}` });
    const headers = new Headers();
    for (const h of PASSED) {
      const val = upstream.headers.get(h);
      if (val !== null) headers.set(h, val);
    }
    headers.set("x-request-id", c.get("requestId"));
    if (!upstream.body) {
      picked.release(upstream.ok ? "ok" : "fail");
      return new Response(null, { status: upstream.status, headers });
    }
    return new Response(releasing(upstream.body, { ...picked, release: (o) => picked.release(upstream.status >= 500 ? "fail" : o) }), { status: upstream.status, headers });
  });

  return app;
}
