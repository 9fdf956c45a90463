// What every route gets: the gateway's dependencies and the request's variables (request id, token).
import type { Logger } from "../log.ts";
import type { WorkflowDefinition } from "../workflow.ts";
import type { JobService } from "./jobs/service.ts";
import type { LlmPool } from "./llm-pool.ts";
import type { GatewayMetrics } from "./metrics.ts";
import type { TokenEntry, TokenSet } from "./tokens.ts";

/** Everything the app needs; `createGatewayApp` builds no connections of its own. */
export type GatewayDeps = {
  jobs: JobService;
  workflows: () => WorkflowDefinition[];
  /** Accepted tokens; undefined turns auth off (only sensible on a loopback address). */
  tokens: TokenSet | undefined;
  /** Real paths of the directories `dataset` paths must be under. */
  allowedRoots: string[];
  limits: { maxBodyBytes: number; maxInlineTasks: number };
  /** Origins allowed by CORS; empty: no CORS headers. */
  corsOrigins: string[];
  llm: LlmPool | undefined;
  metrics: GatewayMetrics;
  /** How long `DELETE /v1/jobs/{id}` waits for the job to end before answering 202 (ms). */
  cancelWaitMs: number;
  /** Interval of SSE progress events (ms). */
  sseIntervalMs: number;
  log: Logger;
};

/** Per-request variables set by the middleware. */
export type GatewayEnv = { Variables: { requestId: string; token: TokenEntry | undefined } };
