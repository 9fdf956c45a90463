// `matrix service-manager`: runs the replicas of a services.yaml on this node and registers them until SIGTERM.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { connectNats } from "../../runtime/adapter/nats.ts";
import { onShutdownSignals } from "../../runtime/adapter/signals.ts";
import { ConfigError } from "../../runtime/errors.ts";
import { createLogger } from "../../runtime/log.ts";
import { openRegistryBucket } from "../registry/bucket.ts";
import { hostname, selfArgv } from "./adapter/self.ts";
import { ServiceManager } from "./manager.ts";
import { planReplicas } from "./plan.ts";
import { compileSandboxService, startSandboxHosts } from "./sandbox.ts";
import { parseServicesFile, sandboxServices } from "./spec.ts";
import type { SandboxHost } from "../../apptainer/mod.ts";

export const SERVICE_MANAGER_HELP = `usage: matrix service-manager --nats URL --config services.yaml [options]

Launches the LLM replicas of services.yaml on this node (vLLM, SGLang, the simulated LLM or any command,
natively or in Apptainer), waits until each answers /health and /v1/models, registers it in the NATS KV
bucket <namespace>_services with a heartbeat, restarts replicas that exit, and on SIGTERM deregisters them
and stops every process group. Entries with engine: sandbox serve a sandbox pool over NATS request/reply
(<namespace>.sandbox.<name>.*); SIGTERM destroys their sandboxes. See docs/services.md, docs/sandboxes.md.

options:
  --nats URL            NATS server(s), comma-separated
  --config FILE         services.yaml
  --replica I           index of this manager among the managers of a job (default 0; replica ids and log names)
  --metrics-port P      serve /metrics, /healthz and /replicas on this port (0 = any free port; default none)
  --namespace NS        overrides the file's namespace
  --log-format F        text (default) or json
  --verbose             debug logs
  -h, --help            this help`;

function intFlag(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name}: expected an integer from ${min} to ${max}, got "${text}"`);
  return n;
}

/**
 * Runs `matrix service-manager`; resolves with the exit code (0 after a clean SIGTERM, 1 when every replica was
 * given up or a second signal forced the stop).
 */
export async function serviceManagerCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      nats: { type: "string" },
      config: { type: "string" },
      replica: { type: "string" },
      "metrics-port": { type: "string" },
      namespace: { type: "string" },
      "log-format": { type: "string" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(SERVICE_MANAGER_HELP + "\n");
    return 0;
  }
  if (values.nats === undefined) throw new ConfigError("--nats URL is required (the registry lives in NATS)");
  if (values.config === undefined) throw new ConfigError("--config services.yaml is required");
  const format = values["log-format"] ?? "text";
  if (format !== "text" && format !== "json") throw new ConfigError(`--log-format: expected text or json, got "${format}"`);
  const managerIndex = intFlag("replica", values.replica, 0, 1_000_000) ?? 0;
  const metricsPort = intFlag("metrics-port", values["metrics-port"], 0, 65535) ?? null;

  const path = resolve(values.config);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`--config: cannot read ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${values.config}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const file = parseServicesFile(raw, values.config);
  const namespace = values.namespace ?? file.namespace;
  const host = hostname();
  const plans = planReplicas(file, {
    manager_index: managerIndex,
    hostname: host,
    base_dir: dirname(path),
    visible_gpus: process.env.CUDA_VISIBLE_DEVICES,
    matrix: selfArgv(),
  });
  const sandboxes = sandboxServices(file).map((s) => compileSandboxService(s, namespace, dirname(path), file.services.indexOf(s)));
  const log = createLogger({ format, level: values.verbose ? "debug" : "info" }, { mode: "service-manager" });

  const nc = await connectNats(values.nats, { name: `matrix service-manager ${host}/${managerIndex}` });
  let manager: ServiceManager | undefined;
  let hosts: SandboxHost[] = [];
  let removeSignals = () => {};
  try {
    hosts = await startSandboxHosts(nc, sandboxes, log);
    const kv = await openRegistryBucket(nc, { namespace, ttl_ms: Math.round(file.ttl_s * 1000) });
    manager = await ServiceManager.start({
      plans,
      kv,
      heartbeat_ms: Math.round(file.heartbeat_s * 1000),
      manager: `${host}/${managerIndex}`,
      log,
      metrics_port: metricsPort,
    });
    const m = manager;
    const metrics = m.metricsPort === undefined ? "" : ` (metrics on port ${m.metricsPort})`;
    log.info(`service-manager: ${plans.length} replica(s) of ${file.services.length} service(s) starting${metrics}`, { namespace });
    const outcome = await new Promise<"signal" | "force" | "failed">((res) => {
      removeSignals = onShutdownSignals({ first: () => res("signal"), second: () => res("force") }, ["SIGINT", "SIGTERM"]);
      // Without replicas only a signal ends a manager of sandbox services.
      if (plans.length > 0) void m.finished.then(() => res("failed"));
    });
    if (outcome === "failed") {
      const errors = await m.finished;
      await Promise.all([m.stop(), ...hosts.map((h) => h.stop())]);
      if (errors.length === 0) return 0;
      process.stderr.write(`matrix service-manager: every replica was given up; first: ${errors[0]}\n`);
      return 1;
    }
    removeSignals();
    let forced = false;
    removeSignals = onShutdownSignals(
      {
        first: () => {
          forced = true;
          m.kill();
        },
        second: () => m.kill(),
      },
      ["SIGINT", "SIGTERM"],
    );
    log.info("service-manager: stopping (deregistering and stopping every replica and sandbox; again to kill)");
    await Promise.all([m.stop(), ...hosts.map((h) => h.stop())]);
    return forced ? 1 : 0;
  } finally {
    removeSignals();
    try {
      await Promise.all([manager?.stop(), ...hosts.map((h) => h.stop())]);
    } finally {
      await nc.close();
    }
  }
}
