// Command-line flags shared by the commands that join a NATS deployment (`run --nats`, `agent`).
import { ConfigError } from "../errors.ts";
import { checkNamespace } from "../bus/nats-names.ts";
import { DEFAULT_DEPLOYMENT, type DeploymentOptions } from "../modes/deployment.ts";

export const NATS_FLAGS = {
  nats: { type: "string" },
  namespace: { type: "string" },
  replicas: { type: "string" },
  "ack-wait-s": { type: "string" },
  "max-deliver": { type: "string" },
  "max-ack-pending": { type: "string" },
} as const;

export const NATS_HELP = `  --nats URL             NATS server(s), comma-separated (nats://host:4222)
  --namespace NS         prefix of every stream, subject and bucket (default mx)
  --replicas N           replicas of the streams and buckets this process creates: 1, or 3 on a cluster (default 1)
  --ack-wait-s S         a hop of a dead agent is handed to another after S seconds (default 30)
  --max-deliver N        deliveries of one hop before its task ends as an error row (default 5)
  --max-ack-pending N    hops in flight per role over all agents (default 10000)`;

type NatsFlagValues = { [K in keyof typeof NATS_FLAGS]?: string | undefined };

function number(flag: string, raw: string | undefined, fallback: number, min: number, integer = true): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new ConfigError(`--${flag}: expected ${integer ? "an integer" : "a number"} >= ${min}, got "${raw}"`);
  }
  return n;
}

/** The deployment named by the flags, or undefined without `--nats`. Throws ConfigError on a bad value. */
export function deploymentFromFlags(values: NatsFlagValues): DeploymentOptions | undefined {
  if (values.nats === undefined) {
    const stray = Object.keys(NATS_FLAGS).find((k) => k !== "nats" && values[k as keyof NatsFlagValues] !== undefined);
    if (stray) throw new ConfigError(`--${stray} needs --nats`);
    return undefined;
  }
  if (values.nats.trim() === "") throw new ConfigError("--nats: expected a NATS URL");
  const d = DEFAULT_DEPLOYMENT;
  let namespace: string;
  try {
    namespace = checkNamespace(values.namespace ?? d.namespace);
  } catch (err) {
    throw new ConfigError(`--namespace: ${(err as Error).message.replace(/^bus: /, "")}`);
  }
  return {
    url: values.nats,
    namespace,
    replicas: number("replicas", values.replicas, d.replicas, 1),
    ackWaitMs: Math.round(number("ack-wait-s", values["ack-wait-s"], d.ackWaitMs / 1000, 0.1, false) * 1000),
    maxDeliver: number("max-deliver", values["max-deliver"], d.maxDeliver, 1),
    maxAckPending: number("max-ack-pending", values["max-ack-pending"], d.maxAckPending, 1),
  };
}
