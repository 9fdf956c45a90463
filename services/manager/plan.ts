// Compiles services.yaml into one plan per replica: launch settings from the spec over the model defaults, GPUs, log file.
import { isAbsolute, join, resolve } from "node:path";
import { engineArgList, modelDefaults, type ContainerSpec, type EngineLaunch } from "../engines/mod.ts";
import { keyToken } from "../registry/entry.ts";
import { assignGpus, gpuPool } from "./gpus.ts";
import { portRange, type PortRange } from "./ports.ts";
import { llmServices, type ServiceSpec, type ServicesFile } from "./spec.ts";

/** How a replica is restarted, in milliseconds. */
export type RestartPolicy = {
  policy: "always" | "on-failure" | "never";
  initial_ms: number;
  max_ms: number;
  fast_crash_ms: number;
  max_fast_crashes: number;
};

/** Everything needed to run and supervise one replica; the port is picked at each start. */
export type ReplicaPlan = {
  service: string;
  /** Index of the replica within this manager's replicas of the service. */
  index: number;
  /** Unique in the registry: `<host>-<manager index>-<index>`. */
  id: string;
  gpus: string[];
  launch: Omit<EngineLaunch, "port">;
  container: ContainerSpec | null;
  /** Variables added to the manager's environment (CUDA_VISIBLE_DEVICES included when GPUs are assigned). */
  env: Record<string, string>;
  ports: PortRange;
  /** Host name written into the registered URL. */
  advertise_host: string;
  log_path: string;
  max_ongoing_requests: number;
  readiness_timeout_ms: number;
  stop_grace_ms: number;
  restart: RestartPolicy;
};

/** What the plan needs from the machine it runs on. */
export type PlanContext = {
  /** This manager's index among the managers of a job (`--replica I`). */
  manager_index: number;
  hostname: string;
  /** Directory of the services file (relative `log_dir` is resolved against it). */
  base_dir: string;
  /** `CUDA_VISIBLE_DEVICES` of the manager. */
  visible_gpus: string | undefined;
  /** The argv that starts this `matrix` binary (for the `sim` engine). */
  matrix: string[];
};

/** The GPUs one replica of `s` needs: given, or TP × PP × DP for GPU engines. */
function gpusPerReplica(s: ServiceSpec, tp: number, pp: number): number {
  if (s.gpus_per_replica !== undefined) return s.gpus_per_replica;
  return s.engine === "vllm" || s.engine === "sglang" ? tp * pp * s.data_parallel_size : 0;
}

/**
 * One plan per replica of every service, GPUs assigned without overlap across all services.
 * @example const plans = planReplicas(parseServicesFile(yaml), { manager_index: 0, hostname: "gpu1", ... });
 */
export function planReplicas(file: ServicesFile, ctx: PlanContext): ReplicaPlan[] {
  const logDir = isAbsolute(file.log_dir) ? file.log_dir : resolve(ctx.base_dir, file.log_dir);
  const host = file.advertise_host ?? ctx.hostname;
  const drafts: Array<Omit<ReplicaPlan, "gpus" | "env"> & { need: number; env: Record<string, string> }> = [];
  for (const s of llmServices(file)) {
    const d = modelDefaults(s.model);
    const tp = s.tensor_parallel_size ?? d.tensor_parallel_size;
    const pp = s.pipeline_parallel_size ?? d.pipeline_parallel_size;
    const parser = s.tool_call_parser !== undefined ? s.tool_call_parser : s.engine === "sglang" ? d.sglang_tool_call_parser : d.tool_call_parser;
    const launch: Omit<EngineLaunch, "port"> = {
      engine: s.engine,
      executable: s.executable,
      model: s.model,
      served_model_name: s.served_model_name ?? s.model,
      host: s.bind_host,
      tensor_parallel_size: tp,
      pipeline_parallel_size: pp,
      data_parallel_size: s.data_parallel_size,
      max_model_len: s.max_model_len !== undefined ? s.max_model_len : d.max_model_len,
      gpu_memory_utilization: s.gpu_memory_utilization !== undefined ? s.gpu_memory_utilization : d.gpu_memory_utilization,
      max_num_seqs: s.max_num_seqs,
      enable_prefix_caching: s.enable_prefix_caching ?? d.enable_prefix_caching,
      tool_call_parser: parser,
      seed: s.seed,
      trust_remote_code: s.trust_remote_code,
      engine_args: engineArgList(Array.isArray(s.engine_args) ? s.engine_args.map(String) : s.engine_args),
      command: s.command,
      matrix: ctx.matrix,
    };
    const env: Record<string, string> = {};
    for (const [k, val] of Object.entries(s.env)) env[k] = String(val);
    for (let i = 0; i < s.replicas; i++) {
      const id = `${keyToken(host)}-${ctx.manager_index}-${i}`;
      drafts.push({
        service: s.name,
        index: i,
        id,
        launch,
        container: s.container,
        env,
        ports: portRange(s.port),
        advertise_host: host,
        log_path: join(logDir, `${s.name}-${ctx.manager_index}-${i}.log`),
        max_ongoing_requests: s.max_ongoing_requests ?? d.max_ongoing_requests,
        readiness_timeout_ms: Math.round(s.readiness_timeout_s * 1000),
        stop_grace_ms: Math.round(s.stop_grace_s * 1000),
        restart: {
          policy: s.restart.policy,
          initial_ms: Math.round(s.restart.backoff_initial_s * 1000),
          max_ms: Math.round(s.restart.backoff_max_s * 1000),
          fast_crash_ms: Math.round(s.restart.fast_crash_s * 1000),
          max_fast_crashes: s.restart.max_fast_crashes,
        },
        need: gpusPerReplica(s, tp, pp),
      });
    }
  }
  const needs = drafts.map((d) => d.need);
  const total = needs.reduce((a, b) => a + b, 0);
  const groups = total === 0 ? needs.map(() => []) : assignGpus(gpuPool(file.gpus, ctx.visible_gpus, total), needs);
  return drafts.map(({ need: _need, env, ...d }, i) => {
    const gpus = groups[i] ?? [];
    return { ...d, gpus, env: gpus.length > 0 ? { ...env, CUDA_VISIBLE_DEVICES: gpus.join(",") } : { ...env } };
  });
}

/**
 * Wait before restart number `n` (1 for the first): `initial × 2^(n-1)`, capped.
 * @example restartDelay(3, { initial_ms: 1000, max_ms: 60000 }) // 4000
 */
export function restartDelay(n: number, p: Pick<RestartPolicy, "initial_ms" | "max_ms">): number {
  const k = Math.max(1, Math.floor(n));
  return Math.min(p.max_ms, p.initial_ms * Math.pow(2, k - 1));
}
