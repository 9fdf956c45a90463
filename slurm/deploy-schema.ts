// The `deploy.yaml` schema: what users write to launch NATS, service managers, agents and a gateway on SLURM.
import * as v from "valibot";

const Int = (min: number) => v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(min, `must be at least ${min}`));
const Port = v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1, "must be a port (1-65535)"), v.maxValue(65535, "must be a port (1-65535)"));
const NonEmpty = v.pipe(v.string(), v.nonEmpty("must not be empty"));

/** Group and deployment names appear in job names, file names and `matrix slurm logs GROUP`. */
export const GroupName = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]*$/i, "names use letters, digits, - and _"));

/** SLURM time: minutes, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`. */
const Time = v.union(
  [Int(1), v.pipe(v.string(), v.regex(/^(\d+-)?\d+(:\d\d){0,2}$/))],
  "must be a SLURM time (minutes, HH:MM:SS or D-HH:MM:SS)",
);

/** Memory per node as sbatch reads it: `64G`, `512M`, or megabytes as a number. */
const Memory = v.union([Int(1), v.pipe(v.string(), v.regex(/^\d+[KMGT]?$/i))], "must be a size like 64G or 512M");

/** Scheduling keys every job group may set; unset keys fall back to `defaults`, then to the cluster's defaults. */
const Resources = {
  /** CPUs per task (`--cpus-per-task`). */
  cpus: v.optional(Int(1)),
  /** Memory per node (`--mem`). */
  memory: v.optional(Memory),
  /** Wall time (`--time`). */
  time: v.optional(Time),
  partition: v.optional(NonEmpty),
  account: v.optional(NonEmpty),
  qos: v.optional(NonEmpty),
  /** Extra `#SBATCH` options, written as they are (`--constraint=h100`, `--exclusive`). */
  extra: v.optional(v.array(v.pipe(v.string(), v.regex(/^-/, "must be an sbatch option starting with -")))),
  /** Shell lines run before the command (`module load apptainer`, `source env.sh`). */
  setup: v.optional(v.array(v.string())),
  /** Environment variables exported for the command. */
  env: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z_]\w*$/, "must be an environment variable name")), v.string())),
};

export const ResourcesInput = v.strictObject(Resources);
export type ResourcesInput = v.InferOutput<typeof ResourcesInput>;

/** NATS: `start: true` runs nats-server as a job (1 server or a 3-node cluster); `url` uses an existing one. */
export const NatsInput = v.pipe(
  v.strictObject({
    start: v.optional(v.boolean()),
    url: v.optional(v.pipe(v.string(), v.regex(/^(nats|tls):\/\/\S+$/, "must be nats://host:port (several joined by commas)"))),
    /** Servers to start: 1, or 3 for a JetStream cluster that survives one node. */
    servers: v.optional(v.picklist([1, 3], "must be 1 or 3")),
    /** nats-server on the compute nodes (a path or a name on PATH). */
    binary: v.optional(NonEmpty),
    port: v.optional(Port),
    cluster_port: v.optional(Port),
    http_port: v.optional(Port),
    /** JetStream store directory on each node (node-local disk); `$SLURM_JOB_ID` and `$TMPDIR` expand. */
    store_dir: v.optional(NonEmpty),
    /** Keep the store directory when the job ends (default false: it is removed). */
    keep_store: v.optional(v.boolean()),
    /** Host name clients use; default `$(hostname)` on the node. */
    advertise: v.optional(NonEmpty),
    ...Resources,
  }),
  v.check((n) => (n.start === true) !== (n.url !== undefined), "set either start: true or url (an existing server)"),
);
export type NatsInput = v.InferOutput<typeof NatsInput>;

/** A service-manager group: one array task per replica. */
export const ServiceGroupInput = v.strictObject({
  /** The services config (`services.yaml`) every replica's manager reads. */
  config: NonEmpty,
  /** Array size: replica I runs as array task I. */
  array: Int(1),
  /** GPUs per replica (`--gres=gpu:N`); SLURM sets `CUDA_VISIBLE_DEVICES`. */
  gpus: v.optional(Int(0)),
  ...Resources,
});
export type ServiceGroupInput = v.InferOutput<typeof ServiceGroupInput>;

/** An agent group: `array` identical agent processes serving the given workflows (or only some roles). */
export const AgentGroupInput = v.strictObject({
  workflows: v.pipe(v.array(NonEmpty), v.minLength(1, "must name at least one workflow")),
  roles: v.optional(v.pipe(v.array(NonEmpty), v.minLength(1, "must name at least one role"))),
  array: Int(1),
  /** Hops in flight per role in each agent process. */
  concurrency: v.optional(Int(1)),
  /** Seconds before the time limit at which SLURM sends USR1 (the agent drains). Default 120. */
  drain_s: v.optional(Int(1)),
  /** After a drain, requeue the array task so it comes back (default true). */
  requeue: v.optional(v.boolean()),
  ...Resources,
});
export type AgentGroupInput = v.InferOutput<typeof AgentGroupInput>;

/** The HTTP gateway: reachable from other nodes, guarded by bearer tokens. */
export const GatewayInput = v.strictObject({
  port: v.optional(Port),
  /** Address to bind; default `0.0.0.0` (every interface, so clients on other nodes reach it). */
  host: v.optional(NonEmpty),
  /** Host name written to `gateway.url`; default `$(hostname)` on the node. */
  advertise: v.optional(NonEmpty),
  /** Bearer tokens (`<token> [workflow,...]` per line, mode 0600); default `<run_dir>/gateway.tokens`, created by `up`. */
  tokens_file: v.optional(NonEmpty),
  /** Directories job datasets may be read from (`--allowed-root`); default none: inline tasks only. */
  allowed_roots: v.optional(v.array(NonEmpty)),
  ...Resources,
});
export type GatewayInput = v.InferOutput<typeof GatewayInput>;

/** The whole `deploy.yaml`. */
export const DeploymentInput = v.strictObject({
  /** Prefix of job names; default `matrix`. */
  name: v.optional(GroupName),
  /** The `matrix` binary on the shared filesystem (required; must exist when submitting). */
  binary: NonEmpty,
  /** Where scripts, job ids, logs and the NATS URL file go; on the shared filesystem. Default `matrix-run`. */
  run_dir: v.optional(NonEmpty),
  /** Bus namespace of the deployment (subjects, buckets); default `mx`. */
  namespace: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, "must match [A-Za-z0-9_-]+"))),
  /** Scheduling keys applied to every group unless the group sets them. */
  defaults: v.optional(ResourcesInput),
  nats: NatsInput,
  service_managers: v.optional(v.record(GroupName, ServiceGroupInput)),
  agents: v.optional(v.record(GroupName, AgentGroupInput)),
  gateway: v.optional(GatewayInput),
});
export type DeploymentInput = v.InferOutput<typeof DeploymentInput>;
