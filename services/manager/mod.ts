// Front door of services/manager: services.yaml, replica plans and supervision, the service manager and its command.
export { ServicesFileInput, ServiceInput, ContainerInput, RestartInput, parseServicesFile } from "./spec.ts";
export type { ServicesFile, ServiceSpec } from "./spec.ts";
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
