// Gateway fixtures: an app over a real NATS deployment (for `app.request()` tests) and `matrix gateway` processes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import "../../workflows/mod.ts";
import { createGatewayApp, GatewayMetrics, JobService, JobStore, TokenSet, type GatewayDeps, type LlmPool } from "../../runtime/gateway/mod.ts";
import { silentLogger } from "../../runtime/log.ts";
import { DEFAULT_DEPLOYMENT, openDeployment, type Deployment } from "../../runtime/modes/deployment.ts";
import { listWorkflows } from "../../runtime/workflow.ts";
import { ROOT, startMatrix, until, type Runtime } from "./cli.ts";

/** Rows of the Coral sample, cycled to `n` rows with unique ids (`coral-0001`, ..., then `coral-0001-r1`, ...). */
export function coralRows(n: number): Record<string, unknown>[] {
  const sample = readFileSync(join(ROOT, "workflows/coral/sample.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return Array.from({ length: n }, (_, i) => {
    const row = sample[i % sample.length]!;
    const round = Math.floor(i / sample.length);
    return round === 0 ? row : { ...row, id: `${row.id as string}-r${round}` };
  });
}

export type AppFixture = { app: ReturnType<typeof createGatewayApp>; deps: GatewayDeps; store: JobStore; deployment: Deployment; close(): Promise<void> };

/** An app on a real NATS deployment with no supervisor (jobs stay queued): for handler tests. */
export async function gatewayApp(url: string, over: Partial<GatewayDeps> & { namespace: string }): Promise<AppFixture> {
  const { namespace, ...rest } = over;
  const deployment = await openDeployment({ ...DEFAULT_DEPLOYMENT, url, namespace }, "gateway test", silentLogger);
  const store = new JobStore(deployment.nc, { namespace });
  const deps: GatewayDeps = {
    jobs: new JobService({ deployment, store, cwd: ROOT }),
    workflows: listWorkflows,
    tokens: undefined,
    allowedRoots: [],
    limits: { maxBodyBytes: 1024 * 1024, maxInlineTasks: 1000 },
    corsOrigins: [],
    llm: undefined,
    metrics: new GatewayMetrics(),
    sseIntervalMs: 50,
    cancelWaitMs: 200,
    log: silentLogger,
    ...rest,
  };
  return { app: createGatewayApp(deps), deps, store, deployment, close: () => deployment.close() };
}

export { TokenSet, type LlmPool };

/** One `matrix gateway` process. */
export type GatewayProcess = { url: string; child: ReturnType<typeof startMatrix>["child"]; stderr(): string; kill9(): Promise<void>; stop(): Promise<void> };

/** Starts `matrix gateway --nats URL --port 0 ...args` and waits for its "gateway ready" line. */
export async function startGatewayProcess(natsUrl: string, args: string[] = [], opts: { runtime?: Runtime; env?: Record<string, string> } = {}): Promise<GatewayProcess> {
  const p = startMatrix(["gateway", "--nats", natsUrl, "--port", "0", ...args], { ...(opts.runtime ? { runtime: opts.runtime } : {}), env: { MATRIX_GATEWAY_TOKENS: "", ...opts.env } });
  process.once("exit", () => p.child.kill("SIGKILL"));
  const alive = () => p.child.exitCode === null && p.child.signalCode === null;
  await until(() => /gateway ready/.test(p.stderr()) || !alive(), 60_000, "gateway ready");
  if (!alive()) throw new Error(`gateway exited while starting:\n${p.stderr()}`);
  const url = /url=(\S+)/.exec(p.stderr().split("\n").find((l) => l.includes("gateway ready"))!)![1]!;
  return {
    url,
    child: p.child,
    stderr: p.stderr,
    async kill9() {
      if (alive()) p.child.kill("SIGKILL");
      await p.result;
    },
    async stop() {
      if (!alive()) return;
      p.child.kill("SIGTERM");
      const t = setTimeout(() => p.child.kill("SIGKILL"), 5_000);
      await p.result;
      clearTimeout(t);
    },
  };
}
