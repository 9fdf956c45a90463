// Front door of services/: the LLM client and routing, the service registry, engines, the service manager, the simulated LLM.
export * from "./llm/mod.ts";
export * from "./registry/mod.ts";
export * from "./engines/mod.ts";
export {
  ServiceManager,
  parseServicesFile,
  planReplicas,
  serviceManagerCommand,
  SERVICE_MANAGER_HELP,
} from "./manager/mod.ts";
export type { ReplicaPlan, ServicesFile, ServiceSpec } from "./manager/mod.ts";
export {
  SimEngine,
  compileSimOptions,
  mergeSimOptions,
  SimOptionsInput,
  SIM_PROFILES,
  createSimApp,
  startSimServer,
  simTransport,
  simLlmCommand,
} from "./sim/mod.ts";
export type { SimOptions, SimServer, SimServerOptions, SimStats } from "./sim/mod.ts";
