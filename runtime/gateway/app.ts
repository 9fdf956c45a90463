// The gateway's Hono app: middleware (request ids, logs, metrics, CORS, auth, body limits, errors) and routes.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import type { GatewayDeps, GatewayEnv } from "./context.ts";
import { errorResponse, HttpError } from "./http-error.ts";
import { jobStreamRoutes } from "./routes/job-streams.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { llmRoutes } from "./routes/llm.ts";
import { metaRoutes } from "./routes/meta.ts";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The gateway as a fetch handler: runs unchanged on Node, Deno and Bun (it opens no connection itself; every
 * dependency comes in `deps`). Errors are JSON `{error: {code, message}}`; unexpected ones are logged with the
 * request id and answered 500 without details.
 *
 * @example
 * const app = createGatewayApp(deps);
 * const res = await app.request("/v1/jobs", { method: "POST", body: JSON.stringify({ workflow: "coral", tasks }) });
 */
export function createGatewayApp(deps: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  app.use(requestId({ limitLength: 64 }));
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath || "unmatched";
    const ms = performance.now() - started;
    deps.metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.latency.observe({ route }, ms / 1000);
    deps.log.debug("request", { request_id: c.get("requestId"), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms * 10) / 10 });
  });
  if (deps.corsOrigins.length > 0) {
    app.use(cors({ origin: deps.corsOrigins, allowHeaders: ["Authorization", "Content-Type", "X-Session-Id"], exposeHeaders: ["X-Request-Id", "Location"] }));
  }

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.use(async (c, next) => {
    if (!deps.tokens || c.req.method === "OPTIONS") {
      c.set("token", undefined);
      return next();
    }
    const challenge = { "WWW-Authenticate": 'Bearer realm="matrix"' };
    const m = BEARER.exec(c.req.header("authorization") ?? "");
    if (!m) return errorResponse(c, 401, "unauthorized", "missing bearer token (Authorization: Bearer <token>)", undefined, challenge);
    const entry = deps.tokens.match(m[1]!);
    if (!entry) return errorResponse(c, 401, "unauthorized", "invalid token", undefined, { "WWW-Authenticate": 'Bearer realm="matrix", error="invalid_token"' });
    c.set("token", entry);
    return next();
  });

  const limit = bodyLimit({
    maxSize: deps.limits.maxBodyBytes,
    onError: (c) => errorResponse(c, 413, "body_too_large", `the body is larger than ${deps.limits.maxBodyBytes} bytes`),
  });
  app.post("/v1/*", limit);

  app.route("/", metaRoutes(deps));
  app.route("/v1/jobs", jobRoutes(deps));
  app.route("/v1/jobs", jobStreamRoutes(deps));
  app.route("/v1", llmRoutes(deps));

  app.notFound((c) => errorResponse(c, 404, "not_found", `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof HttpError) return errorResponse(c, err.status, err.code, err.message, err.details);
    deps.log.error("request failed", { request_id: c.get("requestId"), method: c.req.method, path: c.req.path, error: err instanceof Error ? err.message : String(err) });
    return errorResponse(c, 500, "internal", `internal error (request id ${c.get("requestId")})`);
  });
  return app;
}
