// Starts a gateway: joins the NATS deployment, resumes unfinished jobs, follows the registry, listens on HTTP.
import { hostname } from "node:os";
import { openRegistryBucket, RegistryWatch } from "../../services/mod.ts";
import { serveFetch } from "../../services/sim/adapter/serve.ts";
import type { Logger } from "../log.ts";
import { openDeployment, type DeploymentOptions } from "../modes/deployment.ts";
import { listWorkflows } from "../workflow.ts";
import { createGatewayApp } from "./app.ts";
import { JobService } from "./jobs/service.ts";
import { JobStore } from "./jobs/store.ts";
import { JobSupervisor } from "./jobs/supervisor.ts";
import { ReplicaPool } from "./llm-pool.ts";
import { GatewayMetrics } from "./metrics.ts";
import type { TokenSet } from "./tokens.ts";

/** The compiled options of `matrix gateway`. */
export type GatewayOptions = {
  deployment: DeploymentOptions;
  host: string;
  port: number;
  tokens: TokenSet | undefined;
  allowedRoots: string[];
  maxBodyBytes: number;
  maxInlineTasks: number;
  corsOrigins: string[];
  /** Static LLM replica base URLs (`.../v1`), besides the registry. */
  llmUrls: string[];
  /** Lease owner id; default `<hostname>:<port>`, so a restarted gateway takes its own jobs back at once. */
  id: string | undefined;
  leaseMs: number;
  scanMs: number;
  progressMs: number;
  sseIntervalMs: number;
  cwd: string;
  log: Logger;
};

export type RunningGateway = {
  url: string;
  port: number;
  id: string;
  /** Stops listening, hands back the leases of the jobs it admits (they continue elsewhere), disconnects. Idempotent. */
  close(): Promise<void>;
};

/** Starts the gateway; the jobs it finds unfinished in NATS are resumed (by it or another gateway). */
export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  const log = opts.log;
  const dep = await openDeployment(opts.deployment, "matrix gateway", log);
  const ns = { namespace: opts.deployment.namespace, replicas: opts.deployment.replicas };
  const store = new JobStore(dep.nc, ns);
  let watch: RegistryWatch | undefined;
  let supervisor: JobSupervisor | undefined;
  try {
    await store.kv();
    watch = await RegistryWatch.start(await openRegistryBucket(dep.nc, { namespace: opts.deployment.namespace }), { log });
  } catch (err) {
    await watch?.close();
    await dep.close();
    throw err;
  }
  const jobs = new JobService({ deployment: dep, store, cwd: opts.cwd, onSubmit: () => void supervisor?.kick() });
  const app = createGatewayApp({
    jobs,
    workflows: listWorkflows,
    tokens: opts.tokens,
    allowedRoots: opts.allowedRoots,
    limits: { maxBodyBytes: opts.maxBodyBytes, maxInlineTasks: opts.maxInlineTasks },
    corsOrigins: opts.corsOrigins,
    llm: new ReplicaPool({ registry: watch, urls: opts.llmUrls }),
    metrics: new GatewayMetrics(),
    sseIntervalMs: opts.sseIntervalMs,
    cancelWaitMs: 5_000,
    log,
  });
  const listening = await serveFetch(app.fetch, { hostname: opts.host, port: opts.port });
  const id = opts.id ?? `${hostname()}:${listening.port}`;
  supervisor = new JobSupervisor({ deployment: dep, store, owner: id, leaseMs: opts.leaseMs, scanMs: opts.scanMs, progressMs: opts.progressMs, log });
  await supervisor.kick();
  const shown = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  let closing: Promise<void> | undefined;
  const sup = supervisor;
  const w = watch;
  return {
    url: `http://${shown}:${listening.port}`,
    port: listening.port,
    id,
    close: () =>
      (closing ??= (async () => {
        for (const [what, step] of [
          ["stop listening", () => listening.close()],
          ["hand back job leases", () => sup.close()],
          ["stop the registry watch", () => w.close()],
          ["close the NATS deployment", () => dep.close()],
        ] as const) {
          try {
            await step();
          } catch (err) {
            log.warn(`gateway shutdown: ${what} failed`, { error: String(err) });
          }
        }
      })()),
  };
}
