// Renders a deployment into readable sbatch scripts (pure): NATS, service-manager and agent arrays, the gateway.
import { join } from "node:path";
import type { AgentGroup, Deployment, GatewayPlan, NatsPlan, ServiceGroup } from "./deploy.ts";
import { preludeLines, sbatchHeader, shellQuote } from "./sbatch-header.ts";

/** What kind of process a job group runs. */
export type GroupKind = "nats" | "service-manager" | "agent" | "gateway";

/** One rendered job script and how to submit it. */
export type RenderedJob = {
  group: string;
  kind: GroupKind;
  /** Script path inside the run directory. */
  script: string;
  text: string;
  /** Array size (1 for a single job). */
  tasks: number;
  /** Submitted after the NATS job has started (`--dependency=after:<nats>`). */
  afterNats: boolean;
};

/** Files a deployment keeps in its run directory. */
export const runFiles = (runDir: string) => ({
  natsUrl: join(runDir, "nats.url"),
  gatewayUrl: join(runDir, "gateway.url"),
  gatewayTokens: join(runDir, "gateway.tokens"),
  jobs: join(runDir, "jobs.json"),
  logDir: (group: string) => join(runDir, "logs", group),
  log: (group: string, index: number) => join(runDir, "logs", group, `${index}.log`),
  script: (group: string) => join(runDir, `${group}.sbatch`),
});

const WAIT_FOR_PORT = [
  "# Waits until HOST:PORT accepts TCP connections (bash's /dev/tcp: no extra tools on the node).",
  "wait_for_port() {",
  '  local host=$1 port=$2 pid=$3',
  '  until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do',
  '    kill -0 "$pid" 2>/dev/null || { echo "matrix: process $pid exited before $host:$port opened" >&2; exit 1; }',
  "    sleep 0.2",
  "  done",
  "}",
];

function waitForNats(d: Deployment): string[] {
  if (d.nats.kind === "existing") return [`NATS_URL=${shellQuote(d.nats.url)}`];
  const file = runFiles(d.runDir).natsUrl;
  return [
    "# The NATS job writes its client URLs to a file on the shared filesystem once its servers accept connections.",
    `NATS_URL_FILE=${shellQuote(file)}`,
    "for ((waited = 0; waited < 600; waited++)); do",
    '  [ -s "$NATS_URL_FILE" ] && break',
    "  sleep 1",
    "done",
    '[ -s "$NATS_URL_FILE" ] || { echo "matrix: no NATS URL in $NATS_URL_FILE after 600 s" >&2; exit 1; }',
    'NATS_URL=$(cat "$NATS_URL_FILE")',
  ];
}

function script(comment: string[], header: string[], body: string[], d: Deployment, prelude: string[]): string {
  const lines = [
    "#!/bin/bash",
    ...comment.map((c) => `# ${c}`),
    ...header,
    "set -uo pipefail",
    "",
    `MATRIX=${shellQuote(d.binary)}`,
    `RUN_DIR=${shellQuote(d.runDir)}`,
    ...(prelude.length > 0 ? ["", ...prelude] : []),
    "",
    ...body,
  ];
  return lines.join("\n") + "\n";
}

function natsJob(d: Deployment, nats: Extract<NatsPlan, { kind: "start" }>): RenderedJob {
  const files = runFiles(d.runDir);
  const jobName = `${d.name}.nats`;
  const cluster = nats.servers > 1;
  const header = sbatchHeader(
    { jobName, array: undefined, nodes: nats.servers, output: cluster ? join(files.logDir("nats"), "job.log") : files.log("nats", 0) },
    nats.resources,
  );
  // The store is per job unless kept: a later job with the same id must not inherit its streams.
  const cleanup = nats.keepStore ? [] : ['rm -rf "$STORE_DIR"'];
  const host = nats.advertise === undefined ? "$(hostname)" : shellQuote(nats.advertise);
  const common = [
    `NATS_SERVER=${shellQuote(nats.binary)}`,
    `PORT=${nats.port}`,
    `HTTP_PORT=${nats.httpPort}`,
    `STORE_DIR="${nats.storeDir}"`,
    'URL_FILE="$RUN_DIR/nats.url"',
    'rm -f "$URL_FILE"',
    "",
    ...WAIT_FOR_PORT,
    "",
  ];
  const single = [
    ...common,
    `HOST=${host}`,
    '"$NATS_SERVER" -js -sd "$STORE_DIR" -a 0.0.0.0 -p "$PORT" -m "$HTTP_PORT" -n "nats-$SLURM_JOB_ID" &',
    "SERVER=$!",
    "# scancel sends TERM to this shell: pass it on, then remove the URL so no client reads a dead address.",
    'trap \'kill -TERM "$SERVER" 2>/dev/null\' TERM INT',
    'wait_for_port "$HOST" "$PORT" "$SERVER"',
    'echo "nats://$HOST:$PORT" > "$URL_FILE.tmp" && mv "$URL_FILE.tmp" "$URL_FILE"',
    'echo "matrix: NATS listening at $(cat "$URL_FILE")"',
    'while kill -0 "$SERVER" 2>/dev/null; do wait "$SERVER"; done',
    'rm -f "$URL_FILE"',
    ...cleanup,
  ];
  const multi = [
    ...common,
    `CLUSTER_PORT=${nats.clusterPort}`,
    'mapfile -t HOSTS < <(scontrol show hostnames "$SLURM_JOB_NODELIST")',
    ...(nats.advertise === undefined ? [] : [`# advertise is ignored for a cluster: each node is reached by its SLURM host name`]),
    'ROUTES=$(printf "nats://%s:$CLUSTER_PORT," "${HOSTS[@]}"); ROUTES=${ROUTES%,}',
    'export NATS_SERVER PORT HTTP_PORT STORE_DIR CLUSTER_PORT ROUTES',
    "# One server per node; each names itself after its task rank and routes to all three.",
    `srun --output="$RUN_DIR/logs/nats/%t.log" bash -c '"$NATS_SERVER" -js -sd "$STORE_DIR" -a 0.0.0.0 -p "$PORT" -m "$HTTP_PORT" -n "nats-$SLURM_PROCID" --cluster_name "matrix-$SLURM_JOB_ID" --cluster "nats://0.0.0.0:$CLUSTER_PORT" --routes "$ROUTES"' &`,
    "SERVERS=$!",
    'trap \'kill -TERM "$SERVERS" 2>/dev/null\' TERM INT',
    'for h in "${HOSTS[@]}"; do wait_for_port "$h" "$PORT" "$SERVERS"; done',
    'printf "nats://%s:$PORT," "${HOSTS[@]}" | sed \'s/,$//\' > "$URL_FILE.tmp" && mv "$URL_FILE.tmp" "$URL_FILE"',
    'echo "matrix: NATS cluster listening at $(cat "$URL_FILE")"',
    'while kill -0 "$SERVERS" 2>/dev/null; do wait "$SERVERS"; done',
    'rm -f "$URL_FILE"',
    ...(nats.keepStore ? [] : ['srun bash -c \'rm -rf "$STORE_DIR"\'']),
  ];
  const comment = [
    `matrix deployment "${d.name}": NATS with JetStream, ${cluster ? `a cluster of ${nats.servers} servers (one per node)` : "one server"}.`,
    "Writes the client URL(s) to $RUN_DIR/nats.url once the servers accept connections; the other jobs read it.",
  ];
  return {
    group: "nats",
    kind: "nats",
    script: files.script("nats"),
    text: script(comment, header, cluster ? multi : single, d, preludeLines(nats.resources)),
    tasks: 1,
    afterNats: false,
  };
}

function serviceJob(d: Deployment, g: ServiceGroup): RenderedJob {
  const files = runFiles(d.runDir);
  const header = sbatchHeader({ jobName: `${d.name}.${g.name}`, array: g.array, gpus: g.gpus, output: join(files.logDir(g.name), "%a.log") }, g.resources);
  const body = [
    ...waitForNats(d),
    "",
    "# Array task I runs replica I; SLURM sets CUDA_VISIBLE_DEVICES to this task's GPUs.",
    'REPLICA=${SLURM_ARRAY_TASK_ID:-0}',
    "# exec: scancel's TERM reaches the manager, which deregisters and stops its engines.",
    `exec "$MATRIX" service-manager --nats "$NATS_URL" --namespace ${shellQuote(d.namespace)} --config ${shellQuote(g.config)} --replica "$REPLICA"`,
  ];
  const comment = [
    `matrix deployment "${d.name}": service managers "${g.name}", ${g.array} replica${g.array === 1 ? "" : "s"} (one per array task${g.gpus > 0 ? `, ${g.gpus} GPU${g.gpus === 1 ? "" : "s"} each` : ""}).`,
  ];
  return { group: g.name, kind: "service-manager", script: files.script(g.name), text: script(comment, header, body, d, preludeLines(g.resources)), tasks: g.array, afterNats: true };
}

function agentJob(d: Deployment, g: AgentGroup): RenderedJob {
  const files = runFiles(d.runDir);
  const options = [`--signal=B:USR1@${g.drainSeconds}`, ...(g.requeue ? ["--requeue"] : [])];
  const header = sbatchHeader({ jobName: `${d.name}.${g.name}`, array: g.array, output: join(files.logDir(g.name), "%a.log"), options }, g.resources);
  const args = [`--namespace ${shellQuote(d.namespace)}`];
  // Streams and buckets an agent creates are replicated on every server of a NATS cluster.
  if (d.nats.kind === "start" && d.nats.servers > 1) args.push(`--replicas ${d.nats.servers}`);
  args.push(`--workflows ${shellQuote(g.workflows.join(","))}`);
  if (g.roles) args.push(`--roles ${shellQuote(g.roles.join(","))}`);
  args.push(`--concurrency ${g.concurrency}`);
  const body = [
    ...waitForNats(d),
    "",
    `"$MATRIX" agent --nats "$NATS_URL" ${args.join(" ")} &`,
    "AGENT=$!",
    "# Pre-emption: SLURM sends USR1 to this shell before the time limit (--signal=B:USR1); the agent drains on USR1",
    "# (stops taking hops, finishes or naks those in flight) and exits 0. TERM (scancel) is passed on as well.",
    "DRAINED=0",
    'trap \'DRAINED=1; echo "matrix: USR1: draining agent"; kill -USR1 "$AGENT" 2>/dev/null\' USR1',
    'trap \'kill -TERM "$AGENT" 2>/dev/null\' TERM INT',
    "# wait returns early when a trapped signal arrives: keep waiting until the agent has exited.",
    'while :; do wait "$AGENT"; RC=$?; kill -0 "$AGENT" 2>/dev/null || break; done',
    'echo "matrix: agent exited with $RC"',
    ...(g.requeue
      ? [
          "# A drained task asks to be requeued, so the array keeps its size after pre-emption or the time limit.",
          'if [ "$DRAINED" = 1 ] && [ "$RC" = 0 ]; then scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"; fi',
        ]
      : []),
    'exit "$RC"',
  ];
  const serves = g.roles ? `roles ${g.roles.join(", ")} of ${g.workflows.join(", ")}` : g.workflows.join(", ");
  const comment = [`matrix deployment "${d.name}": agents "${g.name}", ${g.array} process${g.array === 1 ? "" : "es"} serving ${serves}, ${g.concurrency} hops each.`];
  return { group: g.name, kind: "agent", script: files.script(g.name), text: script(comment, header, body, d, preludeLines(g.resources)), tasks: g.array, afterNats: true };
}

function gatewayJob(d: Deployment, g: GatewayPlan): RenderedJob {
  const files = runFiles(d.runDir);
  const header = sbatchHeader({ jobName: `${d.name}.gateway`, array: undefined, output: files.log("gateway", 0) }, g.resources);
  const args = [`--namespace ${shellQuote(d.namespace)}`];
  // The gateway's job records and results live in buckets and streams replicated like the agents' ones.
  if (d.nats.kind === "start" && d.nats.servers > 1) args.push(`--replicas ${d.nats.servers}`);
  args.push(`--host ${shellQuote(g.host)}`, '--port "$PORT"', '--tokens-file "$TOKENS_FILE"');
  for (const root of g.allowedRoots) args.push(`--allowed-root ${shellQuote(root)}`);
  const body = [
    ...waitForNats(d),
    "",
    ...WAIT_FOR_PORT,
    "",
    `PORT=${g.port}`,
    `HOST=${g.advertise === undefined ? "$(hostname)" : shellQuote(g.advertise)}`,
    `TOKENS_FILE=${shellQuote(g.tokensFile)}`,
    'URL_FILE="$RUN_DIR/gateway.url"',
    'rm -f "$URL_FILE"',
    "# Clients on other nodes reach it, so every request but /healthz needs a bearer token from TOKENS_FILE.",
    ...(g.generateTokens ? ['# matrix slurm up wrote one random token there (mode 0600): export MATRIX_TOKEN=$(cat "$TOKENS_FILE")'] : []),
    `"$MATRIX" gateway --nats "$NATS_URL" ${args.join(" ")} &`,
    "GATEWAY=$!",
    "# scancel sends TERM to this shell: pass it on (the gateway hands its jobs back), then remove the URL.",
    'trap \'kill -TERM "$GATEWAY" 2>/dev/null\' TERM INT',
    'wait_for_port "$HOST" "$PORT" "$GATEWAY"',
    'echo "http://$HOST:$PORT" > "$URL_FILE.tmp" && mv "$URL_FILE.tmp" "$URL_FILE"',
    'echo "matrix: gateway listening at $(cat "$URL_FILE")"',
    'while kill -0 "$GATEWAY" 2>/dev/null; do wait "$GATEWAY"; done',
    'rm -f "$URL_FILE"',
  ];
  const comment = [
    `matrix deployment "${d.name}": the HTTP gateway (job submission, status, results) on ${g.host}:${g.port} with bearer tokens;`,
    "its URL goes to $RUN_DIR/gateway.url once it accepts connections.",
  ];
  return { group: "gateway", kind: "gateway", script: files.script("gateway"), text: script(comment, header, body, d, preludeLines(g.resources)), tasks: 1, afterNats: true };
}

/**
 * Renders every job of a deployment, in submission order: NATS first (when started here), then service managers,
 * agents and the gateway.
 */
export function renderDeployment(d: Deployment): RenderedJob[] {
  const jobs: RenderedJob[] = [];
  if (d.nats.kind === "start") jobs.push(natsJob(d, d.nats));
  for (const g of d.serviceManagers) jobs.push(serviceJob(d, g));
  for (const g of d.agents) jobs.push(agentJob(d, g));
  if (d.gateway) jobs.push(gatewayJob(d, d.gateway));
  if (d.nats.kind === "existing") for (const j of jobs) j.afterNats = false;
  return jobs;
}
