// A run's binding (what the agent host needs per run) from its compiled config or its spec in the run state.
import type { RunConfig } from "../config/schema.ts";
import type { RunBinding } from "../host.ts";
import type { Logger } from "../log.ts";
import type { BlobStore } from "../message/blobs.ts";
import { useSandboxServices, type SandboxServices } from "../sandbox/registry.ts";
import type { RunSpec } from "../state/run-state.ts";
import type { WorkflowDefinition } from "../workflow.ts";
import type { ReplicaDirectory } from "../../services/llm/mod.ts";
import { RunResources } from "./resources.ts";

/** The binding and the LLM resources behind it (closed with the run). */
export type BoundRun = { binding: RunBinding; resources: RunResources };

/**
 * Binds a run for the host: its workflow and params, its LLM resources (embedded sim where no url), its blobs, and
 * (given `sandboxes`) the sandbox services its pools may name.
 */
export function bindRun(wf: WorkflowDefinition, spec: RunSpec, blobs: BlobStore, log: Logger, replicas?: ReplicaDirectory, sandboxes?: SandboxServices): BoundRun {
  if (sandboxes) useSandboxServices(spec.run, sandboxes);
  const resources = new RunResources(spec.llm as unknown as RunConfig["llm"], spec.sim as unknown as RunConfig["sim"], log, replicas);
  const binding: RunBinding = {
    workflow: wf,
    params: spec.params,
    llm: (name, role, msg, signal) => resources.forHop(name, role, msg, signal),
    blobs,
    maxAttempts: spec.max_attempts,
    retry: spec.retry,
    offloadThreshold: spec.offload_threshold_bytes,
  };
  return { binding, resources };
}
