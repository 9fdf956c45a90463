// `matrix slurm status`: per group task counts from squeue/scontrol, and what registered on NATS when reachable.
import { existsSync, readFileSync } from "node:fs";
import { Kvm } from "@nats-io/kv";
import { connectNats, type NatsConnection } from "../runtime/adapter/nats.ts";
import { countStates, mergeTaskStates, type StateCounts } from "./queue.ts";
import type { RunRecord, SubmittedJob } from "./record.ts";
import { runFiles } from "./render.ts";
import { queuedTasks, rememberedTasks, type SchedulerOptions } from "./scheduler.ts";

export type GroupStatus = SubmittedJob & StateCounts;

/** What NATS knows: replicas in the service registry (per service) and agent connections; undefined fields when not asked or unreachable. */
export type NatsStatus = { url: string | undefined; reachable: boolean; replicas: Record<string, number>; agents: number | undefined; error: string | undefined };

/** The gateway as clients see it: its URL once it listens, whether `/healthz` answers, where its token is. */
export type GatewayStatus = { url: string | undefined; healthy: boolean; tokens_file: string };

export type DeploymentStatus = { deployment: string; groups: GroupStatus[]; nats: NatsStatus; gateway: GatewayStatus | undefined };

/** The URL clients use now: the discovered file when NATS runs as a job, else the configured URL. */
export function natsUrlOf(runDir: string, record: RunRecord): string | undefined {
  if (!record.nats.started) return record.nats.url;
  const file = runFiles(runDir).natsUrl;
  return existsSync(file) ? readFileSync(file, "utf8").trim() || undefined : undefined;
}

/** Counts replicas in the registry bucket (`<ns>_services`, keys `<service>.<replica>`) and agent connections. */
async function natsStatus(url: string | undefined, record: RunRecord): Promise<NatsStatus> {
  const status: NatsStatus = { url, reachable: false, replicas: {}, agents: undefined, error: undefined };
  if (url === undefined) return { ...status, error: "no NATS URL yet" };
  try {
    const nc = await connectNats(url, { name: "matrix slurm status", timeoutMs: 2_000, maxReconnectAttempts: 0 });
    try {
      status.reachable = true;
      status.replicas = await registeredReplicas(nc, record.namespace);
    } finally {
      await nc.close();
    }
  } catch (err) {
    return { ...status, error: (err as Error).message };
  }
  if (record.nats.http_port !== undefined) status.agents = await agentConnections(url, record.nats.http_port);
  return status;
}

/** Replicas per service in the registry bucket; none while no service manager has created the bucket. */
async function registeredReplicas(nc: NatsConnection, namespace: string): Promise<Record<string, number>> {
  const replicas: Record<string, number> = {};
  try {
    const kv = await new Kvm(nc).open(`${namespace}_services`);
    for await (const key of await kv.keys()) {
      const service = key.split(".")[0]!;
      replicas[service] = (replicas[service] ?? 0) + 1;
    }
  } catch (err) {
    if (!/stream not found|bucket not found/i.test((err as Error).message)) throw err;
  }
  return replicas;
}

/** Client connections whose name says `agent`, from each server's monitoring `/connz`. */
async function agentConnections(url: string, httpPort: number): Promise<number | undefined> {
  let total = 0;
  for (const u of url.split(",")) {
    const host = new URL(u.trim().replace(/^nats:/, "http:")).hostname;
    try {
      const res = await fetch(`http://${host}:${httpPort}/connz?limit=100000`, { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json()) as { connections?: { name?: string }[] };
      total += (body.connections ?? []).filter((c) => /agent/i.test(c.name ?? "")).length;
    } catch {
      return undefined;
    }
  }
  return total;
}

/** Reads `gateway.url` (written by the gateway job once it listens) and asks its `/healthz`, which needs no token. */
async function gatewayStatus(runDir: string, record: RunRecord): Promise<GatewayStatus | undefined> {
  if (!record.gateway) return undefined;
  const file = runFiles(runDir).gatewayUrl;
  const url = existsSync(file) ? readFileSync(file, "utf8").trim() || undefined : undefined;
  let healthy = false;
  if (url !== undefined) {
    try {
      healthy = (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      // not listening (any more)
    }
  }
  return { url, healthy, tokens_file: record.gateway.tokens_file };
}

/** Collects the status of every recorded group. */
export async function deploymentStatus(runDir: string, record: RunRecord, opts: SchedulerOptions & { nats?: boolean } = {}): Promise<DeploymentStatus> {
  const live = await queuedTasks(record.jobs.map((j) => j.job_id), opts);
  const groups: GroupStatus[] = [];
  for (const job of record.jobs) {
    const remembered = await rememberedTasks(job.job_id, opts);
    const tasks = mergeTaskStates(live.filter((t) => t.jobId === job.job_id), remembered);
    groups.push({ ...job, ...countStates(tasks, job.tasks) });
  }
  const url = natsUrlOf(runDir, record);
  const nats = opts.nats === false ? { url, reachable: false, replicas: {}, agents: undefined, error: "not asked" } : await natsStatus(url, record);
  return { deployment: record.deployment, groups, nats, gateway: await gatewayStatus(runDir, record) };
}

/** Renders the status as an aligned table and a NATS line. */
export function formatStatus(s: DeploymentStatus, runDir: string): string {
  const header = ["group", "kind", "job", "tasks", "pending", "running", "completed", "failed", "cancelled", "gone"];
  const rows = s.groups.map((g) => [g.group, g.kind, String(g.job_id), String(g.tasks), String(g.pending), String(g.running), String(g.completed), String(g.failed), String(g.cancelled), String(g.gone)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  const out = [`deployment ${s.deployment} (${runDir})`, line(header), ...rows.map(line)];
  const n = s.nats;
  if (!n.reachable) out.push(`nats: ${n.url ?? "-"} not reachable${n.error ? ` (${n.error})` : ""}`);
  else {
    const reps = Object.entries(n.replicas).map(([svc, c]) => `${svc} ${c}`).join(", ") || "none";
    out.push(`nats: ${n.url} reachable; replicas registered: ${reps}; agent connections: ${n.agents ?? "unknown"}`);
  }
  const g = s.gateway;
  if (g) out.push(`gateway: ${g.url ?? "-"} ${g.url === undefined ? "not listening yet" : g.healthy ? "healthy" : "not answering"}; bearer tokens in ${g.tokens_file}`);
  return out.join("\n");
}
