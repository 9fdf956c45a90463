// Front door of apptainer/: the Apptainer CLI wrapper, the sandbox backends and the sandbox pool.
// Importing it installs the pool implementation behind `ctx.sandbox(name)`.
import type { Logger } from "../runtime/log.ts";
import { setPoolFactory } from "../runtime/sandbox/registry.ts";
import type { SandboxSpec } from "../runtime/sandbox/types.ts";
import { apptainerBackend } from "./backends/apptainer.ts";
import { bubblewrapBackend } from "./backends/bubblewrap.ts";
import { processBackend } from "./backends/process.ts";
import type { SandboxBackend } from "./backends/types.ts";
import { SandboxPool, type PoolOptions } from "./pool.ts";

export { buildArgs, containerFlags, execArgs, instanceExecArgs, instanceListArgs, instanceStartArgs, instanceStopArgs, type ContainerOptions } from "./args.ts";
export { Apptainer, type CallOptions, type InstanceInfo } from "./client.ts";
export { apptainerBackend, instanceName } from "./backends/apptainer.ts";
export { bubblewrapBackend, probeHostLayout } from "./backends/bubblewrap.ts";
export { bubblewrapArgs, type HostLayout } from "./backends/bubblewrap-args.ts";
export { processBackend } from "./backends/process.ts";
export { SANDBOX_WORKDIR, type SandboxBackend, type SandboxBox } from "./backends/types.ts";
export { SandboxPool, type AcquireOptions, type PoolOptions } from "./pool.ts";
export { SandboxHost, type SandboxHostOptions, type SandboxHostState } from "./service/host.ts";
export { checkBinds } from "./service/binds.ts";
export { runCommand, type SpawnOptions } from "./spawn.ts";

/** The backend a spec names. */
export function backendFor(spec: SandboxSpec): SandboxBackend {
  if (spec.backend === "bubblewrap") return bubblewrapBackend();
  if (spec.backend === "apptainer") return apptainerBackend();
  return processBackend();
}

/** A pool for `spec` with the backend it names. */
export function createSandboxPool(name: string, spec: SandboxSpec, log?: Logger, opts: Omit<PoolOptions, "log"> = {}): SandboxPool {
  return new SandboxPool(name, spec, backendFor(spec), { ...opts, ...(log ? { log } : {}) });
}

setPoolFactory((name, spec, log) => createSandboxPool(name, spec, log));
