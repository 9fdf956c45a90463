// Workflow definitions and the registry they join by name (runtime never imports a workflow by path).
import type * as v from "valibot";
import type { Logger } from "./log.ts";
import type { Envelope, Ref, Turn } from "./message/envelope.ts";
import type { RoleSandbox, SandboxSpec } from "./sandbox/types.ts";
import type { ChatCall, ChatOptions, ChatResult } from "../services/llm/types.ts";

/** An LLM resource as a handler sees it: usage is counted for the calling role, the task id is the sticky key. */
export interface RoleLlm {
  readonly name: string;
  readonly model: string;
  chat(call: ChatCall, opts?: Pick<ChatOptions, "signal">): Promise<ChatResult>;
}

/** What a role handler gets besides the message. Handlers never see the bus. */
export type RoleContext<P = Record<string, unknown>> = {
  /** The LLM resource named `name` in config (`llm.<name>`). */
  llm(name: string): RoleLlm;
  /**
   * The sandbox pool `name` (declared by the workflow's `sandboxes`), bound to this task: its lease is recorded in
   * `msg.leases` and released by the sink when the task ends. Throws a `ConfigError` for an undeclared pool.
   */
  sandbox(name: string): RoleSandbox;
  /** Aborted on cancellation or forced shutdown. */
  signal: AbortSignal;
  /** Tells the bus this hop is still being worked on (long calls). */
  heartbeat(): void;
  log: Logger;
  /** Reads an offloaded value (inputs and history are already resolved before `handle`). */
  resolve(ref: Ref): Promise<unknown>;
  /** The workflow's own compiled config section (`<workflow>.*`). */
  params: P;
  /** The role being run. */
  role: string;
};

/**
 * What a handler returns. The host appends `turn` to the history, merges `state`, then asks the workflow's
 * `route` where the message goes next.
 */
export type RoleResult = {
  turn?: Turn;
  state?: Record<string, unknown>;
  /** Anything the routing function wants to look at. */
  data?: unknown;
};

export type Role<P = Record<string, unknown>> = {
  handle(msg: Envelope, ctx: RoleContext<P>): Promise<RoleResult>;
};

/** The row a task ends as. `status` is set by the sink for errors; workflows return ok or filtered. */
export type OutputRow = {
  status: "ok" | "filtered";
  /** Why a filtered task left early (`termination_reason` in the row). */
  reason?: string;
  /** Workflow-specific fields, merged into the row. */
  fields: Record<string, unknown>;
};

/** Accumulates per-row metrics into the run summary. */
export interface MetricsReducer {
  /** Called once per written row (ok, filtered or error). */
  add(row: Record<string, unknown>): void;
  /** Summary metrics for the final line and `--json` summary. */
  summary(): Record<string, number | string>;
}

export type WorkflowDefinition<P = any> = {
  name: string;
  description: string;
  /** The role that acts first. */
  first: string;
  roles: Record<string, Role<P>>;
  /** The workflow's own config section (valibot object with defaults), stored under `<name>.*`. */
  params: v.GenericSchema<unknown, P>;
  /** Default config (the same keys as a YAML config file), applied under the user's file and overrides. */
  defaults: Record<string, unknown>;
  /** Names of the LLM resources the roles use (each must exist under `llm.*`). */
  llms: string[];
  /** Initial routing state for a new task built from a dataset row; throw to reject a row (error row). */
  init(input: unknown, params: P): Record<string, unknown>;
  /** Where the message goes after `role` returned `result`: a role name or `_sink`. Pure. */
  route(msg: Envelope, role: string, result: RoleResult, params: P): string;
  /** Maps a finished message to its output row. */
  output(msg: Envelope, params: P): OutputRow;
  /** A fresh metrics reducer for a run. */
  metrics(): MetricsReducer;
  /** Sandbox pools the roles use with these params, by name (none when absent or empty). */
  sandboxes?(params: P): Record<string, SandboxSpec>;
};

const registry = new Map<string, WorkflowDefinition>();

/** Registers a workflow under its name; a second registration of the same name replaces the first. */
export function registerWorkflow<P>(wf: WorkflowDefinition<P>): void {
  registry.set(wf.name, wf as WorkflowDefinition);
}

export function getWorkflow(name: string): WorkflowDefinition | undefined {
  return registry.get(name);
}

export function listWorkflows(): WorkflowDefinition[] {
  return [...registry.values()];
}
