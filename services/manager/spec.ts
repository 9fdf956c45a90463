// services.yaml: what users write per service (valibot, defaults documented) and its one-line errors naming the key.
import * as v from "valibot";
import { ConfigError } from "../../runtime/errors.ts";

const posInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const nonNegInt = v.pipe(v.number(), v.integer(), v.minValue(0));
const nonNeg = v.pipe(v.number(), v.minValue(0));
const portNumber = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));

/** `port: 8000` (first port to try), `port: "8000-8099"` (a range), `port: 0` (any free port). */
export const PortInput = v.union([portNumber, v.pipe(v.string(), v.regex(/^\d+\s*-\s*\d+$/, 'expected a port or a range "FROM-TO"'))]);

export const ContainerInput = v.strictObject({
  /** Image file (`.sif`) or URI (`docker://...`) for `apptainer exec`. */
  image: v.pipe(v.string(), v.minLength(1)),
  /** Bind specs `src[:dst[:opts]]`. */
  binds: v.optional(v.array(v.string()), []),
  /** Pass the GPUs through (`--nv`). */
  nv: v.optional(v.boolean(), true),
  /** Extra `apptainer exec` options. */
  args: v.optional(v.array(v.string()), []),
  executable: v.optional(v.string(), "apptainer"),
});

export const RestartInput = v.strictObject({
  /** `always` restarts any exit, `on-failure` only non-zero exits and signals, `never` none. */
  policy: v.optional(v.picklist(["always", "on-failure", "never"]), "always"),
  /** First wait before a restart; doubles per consecutive restart. */
  backoff_initial_s: v.optional(nonNeg, 1),
  backoff_max_s: v.optional(nonNeg, 60),
  /** A replica that exits within this many seconds of starting crashed fast. */
  fast_crash_s: v.optional(nonNeg, 120),
  /** Consecutive fast crashes before the replica is given up. */
  max_fast_crashes: v.optional(posInt, 5),
});

export const ServiceInput = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, _ or -")),
  engine: v.picklist(["vllm", "sglang", "sim", "command"]),
  /** Model id or path the engine loads (for `sim` and `command`, a label). */
  model: v.pipe(v.string(), v.minLength(1)),
  /** Name clients send as `model`; default the model itself. */
  served_model_name: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Replicas this manager runs. */
  replicas: v.optional(posInt, 1),
  /** GPUs per replica (default tensor × pipeline × data parallel for vllm/sglang, 0 otherwise). */
  gpus_per_replica: v.optional(nonNegInt),
  port: v.optional(PortInput, "8000-8999"),
  /** Address the engine binds (default 0.0.0.0). */
  bind_host: v.optional(v.string(), "0.0.0.0"),
  tensor_parallel_size: v.optional(posInt),
  pipeline_parallel_size: v.optional(posInt),
  data_parallel_size: v.optional(posInt, 1),
  max_model_len: v.optional(v.nullable(posInt)),
  gpu_memory_utilization: v.optional(v.nullable(v.pipe(v.number(), v.gtValue(0), v.maxValue(1)))),
  max_num_seqs: v.optional(v.nullable(posInt), null),
  enable_prefix_caching: v.optional(v.boolean()),
  tool_call_parser: v.optional(v.nullable(v.string())),
  seed: v.optional(v.nullable(v.pipe(v.number(), v.integer())), null),
  trust_remote_code: v.optional(v.boolean(), false),
  /** Requests a client keeps in flight on one replica (registered for clients; default from the model family). */
  max_ongoing_requests: v.optional(nonNegInt),
  /** Extra engine flags: a list kept as is, or a map of flag → value. */
  engine_args: v.optional(v.union([v.array(v.union([v.string(), v.number()])), v.record(v.string(), v.unknown())]), []),
  env: v.optional(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()])), {}),
  /** Replaces the engine executable (`vllm`, `python`, the matrix binary for `sim`). */
  executable: v.optional(v.nullable(v.string()), null),
  /** `command` engine: argv with `{host}`, `{port}`, `{model}`, `{served_model_name}` placeholders. */
  command: v.optional(v.array(v.string()), []),
  container: v.optional(v.nullable(ContainerInput), null),
  /** Seconds from launch to `/health` and `/v1/models` answering before the start counts as failed. */
  readiness_timeout_s: v.optional(v.pipe(v.number(), v.gtValue(0)), 1800),
  /** Seconds between SIGTERM and SIGKILL of the replica's process group on stop. */
  stop_grace_s: v.optional(nonNeg, 15),
  restart: v.optional(RestartInput, {}),
});
export type ServiceInput = v.InferInput<typeof ServiceInput>;

/** `engine: sandbox`: a sandbox pool on this node served over NATS request/reply (no port, no registry entry). */
export const SandboxServiceInput = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, _ or -")),
  engine: v.literal("sandbox"),
  /** Isolation of each sandbox: namespaces (`bubblewrap`), Apptainer instances, or none (`process`, development only). */
  backend: v.optional(v.picklist(["bubblewrap", "apptainer", "process"]), "bubblewrap"),
  /** Sandboxes alive at once on this host; further acquires wait. */
  capacity: v.optional(posInt, 16),
  /** A lease without acquire or exec for this long is destroyed (its task vanished with an agent). */
  lease_ttl_s: v.optional(v.pipe(v.number(), v.gtValue(0)), 600),
  /** Longest an acquire waits for a free sandbox before a retryable `sandbox_busy`. */
  acquire_timeout_s: v.optional(v.pipe(v.number(), v.gtValue(0)), 600),
  /** Cap on one exec's time limit (a call asking for more gets this). */
  max_exec_timeout_s: v.optional(v.pipe(v.number(), v.gtValue(0)), 600),
  /** Apptainer image for `backend: apptainer`. */
  image: v.optional(v.nullable(v.string()), null),
  /** Binds of every sandbox, `src[:dst[:ro|rw]]` (read-only unless `rw`). */
  binds: v.optional(v.array(v.string()), []),
  /** Host folders clients may bind read-only into their sandboxes (a workflow's data, its runner). */
  allow_binds: v.optional(v.array(v.string()), []),
  /** Environment of every exec (on top of an empty one; clients add theirs). */
  env: v.optional(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()])), { PATH: "/usr/local/bin:/usr/bin:/bin" }),
  /** Bytes of stdout and of stderr kept per exec (the tail). */
  output_cap_bytes: v.optional(posInt, 4 << 20),
  /** Parent folder of the work dirs (relative to the services file; default the system temp folder). */
  work_dir: v.optional(v.nullable(v.string()), null),
});
export type SandboxServiceSpec = v.InferOutput<typeof SandboxServiceInput>;

/** One entry of `services`: an LLM service, or a sandbox service when `engine: sandbox`. */
const AnyServiceInput = v.lazy((input: unknown) =>
  input !== null && typeof input === "object" && (input as { engine?: unknown }).engine === "sandbox" ? SandboxServiceInput : ServiceInput,
);

export const ServicesFileInput = v.strictObject({
  /** Deployment namespace: the registry bucket is `<namespace>_services`. */
  namespace: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, "expected letters, digits, _ or -")), "mx"),
  /** Directory of the per-replica log files (relative to the services file). */
  log_dir: v.optional(v.string(), "logs/services"),
  /** Host name clients use to reach this node (default the machine's host name). */
  advertise_host: v.optional(v.nullable(v.string()), null),
  /** GPU ids this manager hands out (default CUDA_VISIBLE_DEVICES, else 0, 1, ... as needed). */
  gpus: v.optional(v.nullable(v.array(v.union([nonNegInt, v.string()]))), null),
  /** Registry heartbeat period and entry lifetime. */
  heartbeat_s: v.optional(v.pipe(v.number(), v.gtValue(0)), 10),
  ttl_s: v.optional(v.pipe(v.number(), v.gtValue(0)), 30),
  services: v.pipe(v.array(AnyServiceInput), v.minLength(1, "expected at least one service")),
});
export type ServicesFileInput = v.InferInput<typeof ServicesFileInput>;
export type ServicesFile = v.InferOutput<typeof ServicesFileInput>;
export type ServiceSpec = v.InferOutput<typeof ServiceInput>;

/** The LLM services of a file (what replicas are planned for). */
export function llmServices(file: ServicesFile): ServiceSpec[] {
  return file.services.filter((s): s is ServiceSpec => s.engine !== "sandbox");
}

/** The sandbox services of a file. */
export function sandboxServices(file: ServicesFile): SandboxServiceSpec[] {
  return file.services.filter((s): s is SandboxServiceSpec => s.engine === "sandbox");
}

/**
 * Validates a parsed services.yaml. Errors are one line naming the key (`services[1].engine: ...`).
 * @example const file = parseServicesFile(YAML.parse(text), "services.yaml");
 */
export function parseServicesFile(input: unknown, where = "services.yaml"): ServicesFile {
  const r = v.safeParse(ServicesFileInput, input);
  if (r.success) {
    const names = new Set<string>();
    for (const [i, s] of r.output.services.entries()) {
      if (names.has(s.name)) throw new ConfigError(`${where}: services[${i}].name: "${s.name}" is used twice`);
      names.add(s.name);
      if (s.engine === "command" && s.command.length === 0) {
        throw new ConfigError(`${where}: services[${i}].command: the command engine needs a command`);
      }
    }
    if (r.output.heartbeat_s * 2 > r.output.ttl_s) {
      throw new ConfigError(`${where}: heartbeat_s: ${r.output.heartbeat_s} s must be at most half of ttl_s (${r.output.ttl_s} s)`);
    }
    return r.output;
  }
  const issue = r.issues[0];
  const path = dotPath(issue.path) || "(top level)";
  if (issue.type === "strict_object" && issue.expected === "never") {
    throw new ConfigError(`${where}: ${path}: unknown key`);
  }
  if (issue.input === undefined) throw new ConfigError(`${where}: ${path}: required key is missing`);
  const generic = /^(Invalid|Expected)/.test(issue.message) && issue.expected !== null;
  const what = generic ? `expected ${issue.expected}` : issue.message;
  throw new ConfigError(`${where}: ${path}: ${what}, got ${JSON.stringify(issue.input)}`);
}

/** `services[0].restart.policy` from a valibot issue path. */
function dotPath(path: v.BaseIssue<unknown>["path"]): string {
  let out = "";
  for (const item of path ?? []) {
    const key = item.key;
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}
