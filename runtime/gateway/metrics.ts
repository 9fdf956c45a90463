// Prometheus metrics of the gateway (its own registry, so several gateways in one process do not clash).
import { Counter, Histogram, Registry } from "prom-client";

/** The gateway's metrics; `registry.metrics()` is the text of `GET /metrics`. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "matrix_gateway_requests_total",
    help: "HTTP requests answered, by route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "matrix_gateway_request_seconds",
    help: "Time to the response headers, by route",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly jobsSubmitted = new Counter({
    name: "matrix_gateway_jobs_submitted_total",
    help: "Jobs recorded by this gateway",
    labelNames: ["workflow"] as const,
    registers: [this.registry],
  });
  readonly llmRequests = new Counter({
    name: "matrix_gateway_llm_requests_total",
    help: "Chat completions passed through to LLM replicas, by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
}
