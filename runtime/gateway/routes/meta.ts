// The gateway's own routes: `/healthz` (no auth), `/metrics` (Prometheus), `/v1/workflows`.
import { Hono } from "hono";
import type { GatewayDeps, GatewayEnv } from "../context.ts";
import { mayUse } from "../tokens.ts";

export function metaRoutes(deps: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  app.get("/metrics", async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { "content-type": deps.metrics.registry.contentType });
  });

  // Each workflow with its default config (the keys a job's `config` may override) and its roles.
  app.get("/v1/workflows", (c) => {
    const token = c.get("token");
    const workflows = deps
      .workflows()
      .filter((w) => mayUse(token, w.name))
      .map((w) => ({ name: w.name, description: w.description, roles: Object.keys(w.roles), llms: w.llms, default_config: w.defaults }));
    return c.json({ workflows });
  });

  return app;
}
