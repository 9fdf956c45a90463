// Front door of services/manager: services.yaml, replica plans and supervision, the service manager and its command.
export { ServicesFileInput, ServiceInput, SandboxServiceInput, ContainerInput, RestartInput, parseServicesFile, llmServices, sandboxServices } from "./spec.ts";
export type { ServicesFile, ServiceSpec, SandboxServiceSpec } from "./spec.ts";
export { compileSandboxService, parseBindSpec, startSandboxHosts } from "./sandbox.ts";
export { planReplicas, restartDelay } from "./plan.ts";
export type { PlanContext, ReplicaPlan, RestartPolicy } from "./plan.ts";
export { assignGpus, gpuPool } from "./gpus.ts";
export { pickPort, portRange } from "./ports.ts";
export type { PortRange } from "./ports.ts";
export { waitReady } from "./readiness.ts";
export { fetchLoad, loadFromMetrics } from "./load.ts";
export { ReplicaSupervisor } from "./replica.ts";
export type { ReadyReplica, ReplicaHooks, ReplicaStateName } from "./replica.ts";
export { ServiceManager } from "./manager.ts";
export type { ManagerState, ServiceManagerOptions } from "./manager.ts";
export { ManagerMetrics } from "./metrics.ts";
export { pidAlive } from "./adapter/process.ts";
export { selfArgv } from "./adapter/self.ts";
export { serviceManagerCommand, SERVICE_MANAGER_HELP } from "./cli.ts";
