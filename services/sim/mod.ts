// Front door of services/sim: the simulated OpenAI-compatible LLM (engine, HTTP app and server, in-process transport).
export { SimEngine } from "./engine.ts";
export type { SimHandleOptions, SimResponse, SimStats } from "./engine.ts";
export { compileSimOptions, mergeSimOptions, OutputLenInput, SimOptionsInput } from "./options.ts";
export type { OutputLen, SimOptions } from "./options.ts";
export { SIM_PROFILES } from "./profiles.ts";
export { createSimApp } from "./app.ts";
export { startSimServer } from "./server.ts";
export type { SimServer, SimServerOptions } from "./server.ts";
export { simTransport } from "./transport.ts";
export type { SimRoute } from "./request.ts";
export type { SchedulerClock } from "./scheduler.ts";
export type { ApiError, ApiErrorBody } from "./errors.ts";
export type { Script, ScriptReply, ScriptRequest } from "./script.ts";
export { SCRIPTS } from "./scripts/index.ts";
export { simLlmCommand } from "./cli.ts";
export { PrefixCache } from "./prefix-cache.ts";
export type { PrefixLookup } from "./prefix-cache.ts";
