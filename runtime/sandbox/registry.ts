// Sandbox pools of the runs in this process: created on first use from the workflow's declaration, released by
// the sink task by task, closed with the run. A pool factory registers itself (apptainer/mod.ts), so the runtime
// never imports a backend by path.
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Envelope } from "../message/envelope.ts";
import type { WorkflowDefinition } from "../workflow.ts";
import { remoteServiceOf } from "./nats-protocol.ts";
import { releaseTaskLeases, roleSandbox } from "./role.ts";
import type { RoleSandbox, SandboxService, SandboxSpec } from "./types.ts";

/** A pool this process hosts: the service plus its lifecycle and counters. */
export interface HostedPool extends SandboxService {
  close(): Promise<void>;
  stats(): PoolStats;
}

export type PoolStats = {
  live: number;
  waiting: number;
  acquired: number;
  released: number;
  expired: number;
  execs: number;
  timed_out: number;
};

export type PoolFactory = (name: string, spec: SandboxSpec, log: Logger | undefined) => HostedPool;

/** The sandbox services of a deployment, by name (`NatsSandboxDirectory`). */
export interface SandboxServices {
  service(name: string): SandboxService & { withSpec(spec: { binds?: SandboxSpec["binds"]; env?: SandboxSpec["env"]; acquireTimeoutMs?: number }): SandboxService };
}

let factory: PoolFactory | undefined;
const runs = new Map<string, Map<string, HostedPool>>();
/** Runs served in this process through a deployment: pools that name a `service` are reached through it. */
const remote = new Map<string, { services: SandboxServices; pools: Map<string, SandboxService> }>();
const closed = new Map<string, Record<string, PoolStats>>();

/** Installs the pool implementation (done by importing `apptainer/mod.ts`). */
export function setPoolFactory(f: PoolFactory): void {
  factory = f;
}

/** Pools of `run` that name a sandbox service are reached through `services` from now on (a distributed run). */
export function useSandboxServices(run: string, services: SandboxServices): void {
  if (remote.get(run)?.services !== services) remote.set(run, { services, pools: new Map() });
}

/** Forgets what `useSandboxServices` set for `run` (the process stopped serving it). */
export function forgetSandboxServices(run: string): void {
  remote.delete(run);
}

function poolOf(run: string, wf: WorkflowDefinition, params: unknown, name: string, log?: Logger): SandboxService {
  const viaService = remote.get(run);
  const known = viaService?.pools.get(name) ?? runs.get(run)?.get(name);
  if (known) return known;
  const spec = wf.sandboxes?.(params)[name];
  if (!spec) throw new ConfigError(`workflow "${wf.name}" declares no sandbox pool "${name}"`);
  if (viaService && spec.service !== undefined && spec.service !== "") {
    const client = viaService.services.service(spec.service).withSpec({ binds: spec.binds, env: spec.env, acquireTimeoutMs: spec.acquire_timeout_ms });
    viaService.pools.set(name, client);
    return client;
  }
  let pools = runs.get(run);
  if (!pools) runs.set(run, (pools = new Map()));
  if (!factory) throw new ConfigError("no sandbox pool implementation loaded (import apptainer/mod.ts)");
  const pool = factory(`${run}/${name}`, spec, log);
  pools.set(name, pool);
  return pool;
}

/** `ctx.sandbox(name)` for one hop: the run's pool `name`, bound to the message's task. */
export function sandboxForHop(wf: WorkflowDefinition, params: unknown, msg: Envelope, name: string, signal: AbortSignal, log?: Logger): RoleSandbox {
  return roleSandbox(poolOf(msg.run, wf, params, name, log), msg, signal);
}

/**
 * Releases every sandbox lease of a finished task (the sink calls it for every row): those of pools in this
 * process, and those of sandbox services, over the deployment, wherever their host is.
 */
export async function releaseSandboxLeases(msg: Envelope, log?: Logger): Promise<void> {
  if (msg.leases.length === 0) return;
  const byService = new Map<string, SandboxService>();
  for (const p of runs.get(msg.run)?.values() ?? []) byService.set(p.name, p);
  const services = remote.get(msg.run)?.services;
  for (const l of msg.leases) {
    const name = remoteServiceOf(l);
    if (name !== undefined && services && !byService.has(l.service!)) byService.set(l.service!, services.service(name));
  }
  const problems = await releaseTaskLeases(msg, byService);
  // The host's TTL reclaims what could not be released now.
  if (problems.length > 0) log?.warn("cannot release a task's sandbox leases", { task: msg.task, problems: problems.join("; ") });
}

/** Closes the run's pools (destroying any sandbox still alive) and keeps their final counters. */
export async function closeRunSandboxes(run: string): Promise<void> {
  const pools = runs.get(run);
  if (!pools) return;
  runs.delete(run);
  const stats: Record<string, PoolStats> = {};
  for (const [name, p] of pools) {
    stats[name] = p.stats();
    try {
      await p.close();
    } catch {
      // A pool that fails to close has already logged why; the others must still close.
    }
  }
  closed.set(run, stats);
  // Keep the counters of a few recent runs only.
  if (closed.size > 16) closed.delete(closed.keys().next().value!);
}

/** Counters of a closed run's pools as they were at close (`live` counts sandboxes the close had to destroy). */
export function closedRunSandboxes(run: string): Record<string, PoolStats> | undefined {
  return closed.get(run);
}
