// `matrix agent --nats URL [...]`: serves roles of any run on a NATS deployment until signalled.
import { parseArgs } from "node:util";
import { onShutdownSignals } from "../adapter/signals.ts";
import { ConfigError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { AgentWorker } from "../modes/agent.ts";
import { createAgentMetrics } from "../modes/agent-metrics.ts";
import { openDeployment } from "../modes/deployment.ts";
import { getWorkflow, listWorkflows, type WorkflowDefinition } from "../workflow.ts";
import { deploymentFromFlags, NATS_FLAGS, NATS_HELP } from "./nats-flags.ts";

export const AGENT_HELP = `usage: matrix agent --nats URL [options]

Serves the roles of workflows for any run started with \`matrix run <workflow> --nats URL\`: takes hops from
the role queues, runs their handlers, sends each task on to its next role, and writes finished tasks' rows to
the results stream (the sink, role _sink). Holds no task state: start and stop agents at any time.

options:
  --workflows A,B        workflows to serve (default: all: \${WORKFLOWS})
  --roles R1,R2          only these roles (default: every role of those workflows, and _sink)
  --concurrency N        hops in flight per role (default 256)
  --metrics-port P       serve Prometheus metrics on http://0.0.0.0:P/metrics (0 = a free port)
  --grace-s S            on drain, in-flight hops get S seconds to finish, then go back to the queue (default 30)
${NATS_HELP}
  --log-format FORMAT    text (default) or json
  --verbose              debug logs and error details
  -h, --help             this help

The first SIGTERM/SIGINT, or SIGUSR1, drains: stop taking hops, finish (or hand back) those in flight, exit 0.
A second SIGTERM/SIGINT stops at once: in-flight hops go back to the queue for other agents; exit 1.`;

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return items.length > 0 ? items : undefined;
}

function positiveNumber(flag: string, raw: string | undefined, fallback: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new ConfigError(`--${flag}: expected a number >= 0, got "${raw}"`);
  return n;
}

export async function agentCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...NATS_FLAGS,
      workflows: { type: "string" },
      roles: { type: "string" },
      concurrency: { type: "string" },
      "metrics-port": { type: "string" },
      "grace-s": { type: "string" },
      "log-format": { type: "string" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(AGENT_HELP.replace("${WORKFLOWS}", listWorkflows().map((w) => w.name).join(", ")) + "\n");
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError(`matrix agent: unexpected argument "${positionals[0]}" (see matrix agent --help)`);
  const dist = deploymentFromFlags(values);
  if (!dist) throw new ConfigError("matrix agent: --nats URL is required");
  const format = values["log-format"] ?? "text";
  if (format !== "text" && format !== "json") throw new ConfigError(`--log-format: expected text or json, got "${format}"`);
  const names = list(values.workflows);
  const workflows: WorkflowDefinition[] = names
    ? names.map((n) => {
        const wf = getWorkflow(n);
        if (!wf) throw new ConfigError(`--workflows: unknown workflow "${n}" (known: ${listWorkflows().map((w) => w.name).join(", ")})`);
        return wf;
      })
    : listWorkflows();
  const roles = list(values.roles);
  const served = AgentWorker.served(workflows, roles);
  if (served.length === 0) throw new ConfigError(`--roles: none of ${roles?.join(", ")} is a role of ${workflows.map((w) => w.name).join(", ")}`);
  const concurrency = positiveNumber("concurrency", values.concurrency, 256, true);
  if (concurrency < 1) throw new ConfigError("--concurrency: expected an integer >= 1");
  const graceMs = positiveNumber("grace-s", values["grace-s"], 30, false) * 1000;
  const metricsPort = values["metrics-port"] === undefined ? undefined : positiveNumber("metrics-port", values["metrics-port"], 0, true);

  const log = createLogger({ level: values.verbose ? "debug" : "info", format });
  const dep = await openDeployment(dist, "matrix agent", log);
  let worker: AgentWorker | undefined;
  const metrics = createAgentMetrics(() => worker?.inFlight ?? 0);
  worker = new AgentWorker({ deployment: dep, workflows, ...(roles ? { roles } : {}), concurrency, log, onHop: metrics.onHop });
  const listening = metricsPort === undefined ? undefined : await metrics.serve(metricsPort);

  let forced = false;
  let signalled!: () => void;
  const stop = new Promise<void>((r) => (signalled = r));
  const stopSignals = onShutdownSignals({
    first: () => {
      log.info("draining: taking no new hops; finishing those in flight (signal again to stop now)", { in_flight: worker.inFlight, grace_s: graceMs / 1000 });
      signalled();
    },
    second: () => {
      forced = true;
      log.warn("stopping now: in-flight hops go back to the queue");
      worker.abort();
    },
  });
  log.info("agent ready", { serving: served.join(","), concurrency, namespace: dist.namespace, ...(listening ? { metrics_port: listening.port } : {}) });
  try {
    await stop;
    await worker.drain(graceMs);
    await worker.close();
  } finally {
    stopSignals();
    await listening?.close();
    await dep.close();
  }
  log.info("agent stopped", { forced });
  return forced ? 1 : 0;
}
