// Loads `deploy.yaml` into the compiled deployment: defaults filled, paths absolute, files checked before any submission.
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, resolve } from "node:path";
import * as v from "valibot";
import { parseDocument } from "yaml";
import { formatIssues } from "../runtime/config/load.ts";
import { ConfigError } from "../runtime/errors.ts";
import { DeploymentInput, type ResourcesInput } from "./deploy-schema.ts";
import { runFiles } from "./render.ts";

/** Scheduling of one job group, defaults applied. */
export type Resources = {
  cpus: number | undefined;
  memory: string | undefined;
  time: string | undefined;
  partition: string | undefined;
  account: string | undefined;
  qos: string | undefined;
  extra: string[];
  setup: string[];
  env: Record<string, string>;
};

export type NatsPlan =
  | { kind: "existing"; url: string }
  | {
      kind: "start";
      servers: 1 | 3;
      binary: string;
      port: number;
      clusterPort: number;
      httpPort: number;
      storeDir: string;
      keepStore: boolean;
      advertise: string | undefined;
      resources: Resources;
    };

export type ServiceGroup = { name: string; config: string; array: number; gpus: number; resources: Resources };
export type AgentGroup = {
  name: string;
  workflows: string[];
  roles: string[] | undefined;
  array: number;
  concurrency: number;
  drainSeconds: number;
  requeue: boolean;
  resources: Resources;
};
export type GatewayPlan = {
  port: number;
  host: string;
  advertise: string | undefined;
  /** Absolute path of the bearer tokens file the gateway reads. */
  tokensFile: string;
  /** True when `up` creates the tokens file (no `tokens_file` in deploy.yaml). */
  generateTokens: boolean;
  allowedRoots: string[];
  resources: Resources;
};

/** A deployment ready to render: everything filled in, paths absolute. */
export type Deployment = {
  name: string;
  /** The file it came from (absolute), or `<inline>`. */
  source: string;
  binary: string;
  runDir: string;
  namespace: string;
  nats: NatsPlan;
  serviceManagers: ServiceGroup[];
  agents: AgentGroup[];
  gateway: GatewayPlan | undefined;
};

function resources(group: ResourcesInput, defaults: ResourcesInput): Resources {
  const mem = group.memory ?? defaults.memory;
  const time = group.time ?? defaults.time;
  return {
    cpus: group.cpus ?? defaults.cpus,
    memory: mem === undefined ? undefined : String(mem),
    time: time === undefined ? undefined : String(time),
    partition: group.partition ?? defaults.partition,
    account: group.account ?? defaults.account,
    qos: group.qos ?? defaults.qos,
    extra: [...(defaults.extra ?? []), ...(group.extra ?? [])],
    setup: [...(defaults.setup ?? []), ...(group.setup ?? [])],
    env: { ...defaults.env, ...group.env },
  };
}

function formatDeployIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0]!;
  const path = v.getDotPath(first);
  if (path && first.kind === "schema" && first.received === "undefined") return `key "${path}" is required`;
  if (path && first.kind === "validation") return `key "${path}": ${first.message}, got ${JSON.stringify(first.input)}`;
  return formatIssues(issues.slice(0, 1));
}

/** Validates a parsed `deploy.yaml` tree and compiles it; `baseDir` resolves relative paths. Pure except for `checkFiles`. */
export function compileDeployment(tree: unknown, opts: { source: string; baseDir: string; checkFiles?: boolean }): Deployment {
  const r = v.safeParse(DeploymentInput, tree);
  if (!r.success) throw new ConfigError(`${basename(opts.source)}: ${formatDeployIssues(r.issues)}`);
  const d = r.output;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(opts.baseDir, p));
  const defaults = d.defaults ?? {};
  const names = new Set<string>();
  const claim = (kind: string, name: string) => {
    if (names.has(name) || name === "nats" || name === "gateway") {
      throw new ConfigError(`${basename(opts.source)}: key "${kind}.${name}": group names must be unique and not "nats" or "gateway"`);
    }
    names.add(name);
  };
  const nats: NatsPlan =
    d.nats.url !== undefined
      ? { kind: "existing", url: d.nats.url }
      : {
          kind: "start",
          servers: d.nats.servers ?? 1,
          binary: d.nats.binary ?? "nats-server",
          port: d.nats.port ?? 4222,
          clusterPort: d.nats.cluster_port ?? 6222,
          httpPort: d.nats.http_port ?? 8222,
          storeDir: d.nats.store_dir ?? "${TMPDIR:-/tmp}/matrix-nats-$SLURM_JOB_ID",
          keepStore: d.nats.keep_store ?? false,
          advertise: d.nats.advertise,
          resources: resources(d.nats, defaults),
        };
  const deployment: Deployment = {
    name: d.name ?? "matrix",
    source: opts.source,
    binary: abs(d.binary),
    runDir: abs(d.run_dir ?? "matrix-run"),
    namespace: d.namespace ?? "mx",
    nats,
    serviceManagers: Object.entries(d.service_managers ?? {}).map(([name, g]) => {
      claim("service_managers", name);
      return { name, config: abs(g.config), array: g.array, gpus: g.gpus ?? 0, resources: resources(g, defaults) };
    }),
    agents: Object.entries(d.agents ?? {}).map(([name, g]) => {
      claim("agents", name);
      return {
        name,
        workflows: g.workflows,
        roles: g.roles,
        array: g.array,
        concurrency: g.concurrency ?? 32,
        drainSeconds: g.drain_s ?? 120,
        requeue: g.requeue ?? true,
        resources: resources(g, defaults),
      };
    }),
    gateway: undefined,
  };
  if (d.gateway) {
    const g = d.gateway;
    deployment.gateway = {
      port: g.port ?? 8080,
      host: g.host ?? "0.0.0.0",
      advertise: g.advertise,
      tokensFile: g.tokens_file === undefined ? runFiles(deployment.runDir).gatewayTokens : abs(g.tokens_file),
      generateTokens: g.tokens_file === undefined,
      allowedRoots: (g.allowed_roots ?? []).map(abs),
      resources: resources(g, defaults),
    };
  }
  if (opts.checkFiles) checkFiles(deployment);
  return deployment;
}

function checkFiles(d: Deployment): void {
  const file = basename(d.source);
  try {
    accessSync(d.binary, constants.X_OK);
    if (!statSync(d.binary).isFile()) throw new Error("not a file");
  } catch {
    throw new ConfigError(`${file}: key "binary": ${d.binary} is not an executable file (build it with npm run build:binary and copy dist/ to the shared filesystem)`);
  }
  if (d.gateway && !d.gateway.generateTokens) checkTokensFile(file, d.gateway.tokensFile);
  for (const g of d.serviceManagers) {
    try {
      accessSync(g.config, constants.R_OK);
    } catch {
      throw new ConfigError(`${file}: key "service_managers.${g.name}.config": cannot read ${g.config}`);
    }
  }
}

/** A tokens file given in deploy.yaml must be readable, and readable by its owner only: it holds the gateway's secrets. */
function checkTokensFile(file: string, path: string): void {
  let mode: number;
  try {
    accessSync(path, constants.R_OK);
    mode = statSync(path).mode;
  } catch {
    throw new ConfigError(`${file}: key "gateway.tokens_file": cannot read ${path}`);
  }
  if ((mode & 0o077) !== 0) throw new ConfigError(`${file}: key "gateway.tokens_file": ${path} is readable by other users (chmod 600 it)`);
}

/**
 * Reads and compiles a `deploy.yaml`, checking that the binary and services configs exist.
 * @example const d = loadDeployment("deploy.yaml"); // throws ConfigError naming the bad key
 */
export function loadDeployment(path: string, cwd = process.cwd()): Deployment {
  const file = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${path}: cannot read deployment file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${basename(file)}${e.linePos ? `:${e.linePos[0].line}` : ""}: invalid YAML: ${e.message.split("\n")[0]}`);
  }
  return compileDeployment(doc.toJS() ?? {}, { source: file, baseDir: dirname(file), checkFiles: true });
}
