// Front door of the gateway: the Hono app factory, its dependencies, and the server that wires them to NATS.
export { createGatewayApp } from "./app.ts";
export type { GatewayDeps, GatewayEnv } from "./context.ts";
export { startGateway } from "./server.ts";
export type { GatewayOptions, RunningGateway } from "./server.ts";
export { JobService } from "./jobs/service.ts";
export { JobStore } from "./jobs/store.ts";
export { JobSupervisor } from "./jobs/supervisor.ts";
export type { JobView } from "./jobs/view.ts";
export { ReplicaPool } from "./llm-pool.ts";
export type { LlmPool } from "./llm-pool.ts";
export { GatewayMetrics } from "./metrics.ts";
export { TokenSet } from "./tokens.ts";
export { compileAllowedRoots } from "./dataset-path.ts";
