// `engine: sandbox` entries of services.yaml: compiled to sandbox host options and served over NATS by the manager.
import { isAbsolute, resolve } from "node:path";
import { backendFor, SandboxHost, type SandboxHostOptions } from "../../apptainer/mod.ts";
import type { NatsConnection } from "../../runtime/adapter/nats.ts";
import { ConfigError } from "../../runtime/errors.ts";
import type { Logger } from "../../runtime/log.ts";
import type { Bind, SandboxSpec } from "../../runtime/sandbox/types.ts";
import type { SandboxServiceSpec } from "./spec.ts";

/** `src[:dst[:ro|rw]]` → a bind (read-only unless `rw`). */
export function parseBindSpec(text: string, where: string): Bind {
  const [src, dst, mode, ...rest] = text.split(":");
  if (!src || !isAbsolute(src) || rest.length > 0 || (dst !== undefined && !isAbsolute(dst)) || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
    throw new ConfigError(`${where}: expected "src[:dst[:ro|rw]]" with absolute paths, got "${text}"`);
  }
  return { src, dst: dst ?? src, ro: mode !== "rw" };
}

/** The host options of one sandbox service (paths relative to the services file resolved against `baseDir`). */
export function compileSandboxService(s: SandboxServiceSpec, namespace: string, baseDir: string, index: number): Omit<SandboxHostOptions, "backend" | "log"> {
  const where = `services[${index}]`;
  if (s.backend === "apptainer" && !s.image) throw new ConfigError(`${where}.image: the apptainer backend needs an image`);
  const spec: SandboxSpec = {
    backend: s.backend,
    max_live: s.capacity,
    lease_ttl_ms: Math.round(s.lease_ttl_s * 1000),
    acquire_timeout_ms: Math.round(s.acquire_timeout_s * 1000),
    binds: s.binds.map((b, i) => parseBindSpec(b, `${where}.binds[${i}]`)),
    env: Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, String(v)])),
    output_cap_bytes: s.output_cap_bytes,
  };
  if (s.image) spec.image = s.image;
  const opts: Omit<SandboxHostOptions, "backend" | "log"> = {
    namespace,
    service: s.name,
    spec,
    allowBinds: s.allow_binds.map((p) => resolve(baseDir, p)),
    maxExecTimeoutS: s.max_exec_timeout_s,
  };
  if (s.work_dir) opts.workDir = resolve(baseDir, s.work_dir);
  return opts;
}

/** Starts a host per sandbox service; on a failure stops those already started and rethrows. */
export async function startSandboxHosts(nc: NatsConnection, services: Array<Omit<SandboxHostOptions, "backend" | "log">>, log: Logger): Promise<SandboxHost[]> {
  const hosts: SandboxHost[] = [];
  try {
    for (const s of services) hosts.push(await SandboxHost.start(nc, { ...s, backend: backendFor(s.spec), log }));
  } catch (err) {
    await Promise.allSettled(hosts.map((h) => h.stop()));
    throw err;
  }
  return hosts;
}
