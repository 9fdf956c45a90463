// Front door of services/llm: the OpenAI wire types, the resource interface and config, and the client.
export * from "./openai.ts";
export type { ChatCall, ChatOptions, ChatResult, LlmResource } from "./types.ts";
export { LlmResourceInput, SamplingInput, compileLlmResource } from "./config.ts";
export type { LlmResourceConfig } from "./config.ts";
export { httpTransport } from "./transport.ts";
export type { Transport, TransportRequest, TransportResponse } from "./transport.ts";
export { EMBEDDED_URL, MAX_IN_PROCESS_RETRY_AFTER_MS, createLlmResource } from "./client.ts";
export type { LlmClientOptions } from "./client.ts";
export { UsageMeter } from "./usage.ts";
export type { RoleUsage, UsageRecord } from "./usage.ts";
export { backoffDelay, parseRetryAfter } from "./backoff.ts";
export type { BackoffPolicy } from "./backoff.ts";
export { Balancer } from "./balancer.ts";
export type { BalancerOptions, Outcome, ReleaseInfo, ReplicaState, ReplicaTarget, RoutingPolicy } from "./balancer.ts";
export { staticDirectory } from "./replicas.ts";
export type { ReplicaDirectory, ReplicaSource } from "./replicas.ts";
export { Semaphore } from "./semaphore.ts";
