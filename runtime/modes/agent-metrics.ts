// Prometheus metrics of an agent: hops by role and outcome, handler latency, hops in flight, LLM tokens.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HopEvent } from "../host.ts";
import { serveFetch, type Listening } from "../../services/sim/adapter/serve.ts";

export type AgentMetrics = {
  readonly registry: Registry;
  /** Feed every hop event here. */
  onHop(event: HopEvent): void;
  /** Serves `/metrics` (and `/healthz`) on `port` (0 = a free one). */
  serve(port: number, host?: string): Promise<Listening>;
};

type RoleCounts = Record<HopEvent["outcome"] | "prompt" | "completion", number>;
const OUTCOMES = ["ok", "retry", "error", "rejected"] as const;

/** Creates the agent's metrics; `inFlight` is read at each scrape. */
export function createAgentMetrics(inFlight: () => number): AgentMetrics {
  const registry = new Registry();
  // Counts are kept per (workflow, role) here and handed to the counters when scraped: prom-client hashes the
  // label object of every `inc`, which for three counters per hop was a tenth of what an agent allocated.
  const counts = new Map<string, Map<string, RoleCounts>>();
  const countsOf = (workflow: string, role: string): RoleCounts => {
    let byRole = counts.get(workflow);
    if (!byRole) counts.set(workflow, (byRole = new Map()));
    let c = byRole.get(role);
    if (!c) byRole.set(role, (c = { ok: 0, retry: 0, error: 0, rejected: 0, prompt: 0, completion: 0 }));
    return c;
  };
  const eachCount = (f: (workflow: string, role: string, c: RoleCounts) => void) => {
    for (const [workflow, byRole] of counts) for (const [role, c] of byRole) f(workflow, role, c);
  };
  new Counter({
    name: "matrix_agent_messages_total",
    help: "Hops handled, by workflow, role and outcome (ok, retry, error, rejected)",
    labelNames: ["workflow", "role", "outcome"] as const,
    registers: [registry],
    collect() {
      this.reset();
      eachCount((workflow, role, c) => {
        for (const outcome of OUTCOMES) if (c[outcome] > 0) this.inc({ workflow, role, outcome }, c[outcome]);
      });
    },
  });
  const latency = new Histogram({
    name: "matrix_agent_handler_seconds",
    help: "Wall time of one hop (handler, routing, publish of the next hop), by workflow and role",
    labelNames: ["workflow", "role"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  new Gauge({
    name: "matrix_agent_in_flight",
    help: "Hops being handled by this agent now",
    registers: [registry],
    collect() {
      this.set(inFlight());
    },
  });
  new Counter({
    name: "matrix_agent_llm_tokens_total",
    help: "LLM tokens used by the hops of this agent, by workflow, role and kind (prompt, completion)",
    labelNames: ["workflow", "role", "kind"] as const,
    registers: [registry],
    collect() {
      this.reset();
      eachCount((workflow, role, c) => {
        if (c.prompt > 0) this.inc({ workflow, role, kind: "prompt" }, c.prompt);
        if (c.completion > 0) this.inc({ workflow, role, kind: "completion" }, c.completion);
      });
    },
  });
  return {
    registry,
    onHop(e) {
      const c = countsOf(e.workflow, e.role);
      c[e.outcome]++;
      if (e.outcome !== "rejected") latency.observe({ workflow: e.workflow, role: e.role }, e.ms / 1000);
      if (e.usage) {
        c.prompt += e.usage.prompt_tokens;
        c.completion += e.usage.completion_tokens;
      }
    },
    serve(port, host = "0.0.0.0") {
      return serveFetch(
        async (req) => {
          const path = new URL(req.url).pathname;
          if (path === "/metrics") return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
          if (path === "/healthz") return new Response("ok\n");
          return new Response("not found\n", { status: 404 });
        },
        { hostname: host, port },
      );
    },
  };
}
