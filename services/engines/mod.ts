// Front door of services/engines: launch lines of vLLM, SGLang, the simulated LLM and any command; model defaults.
export { engineArgList } from "./launch.ts";
export type { Argv, EngineLaunch, EngineName } from "./launch.ts";
export { vllmArgv } from "./vllm.ts";
export { sglangArgv } from "./sglang.ts";
export { simArgv } from "./sim.ts";
export { commandArgv } from "./command.ts";
export { inContainer } from "./container.ts";
export type { ContainerSpec } from "./container.ts";
export { engineArgv } from "./argv.ts";
export { FALLBACK_DEFAULTS, MODEL_DEFAULTS, modelDefaults } from "./defaults.ts";
export type { ModelDefaults, ModelDefaultsRow } from "./defaults.ts";
