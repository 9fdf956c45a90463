// `matrix gateway --nats URL`: the HTTP edge of a deployment (jobs, progress, results, LLM pass-through).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { onShutdownSignals } from "../adapter/signals.ts";
import { ConfigError } from "../errors.ts";
import { compileAllowedRoots, startGateway, TokenSet } from "../gateway/mod.ts";
import { createLogger } from "../log.ts";
import { deploymentFromFlags, NATS_FLAGS, NATS_HELP } from "./nats-flags.ts";

export const GATEWAY_HELP = `usage: matrix gateway --nats URL [options]

Serves jobs over HTTP: POST /v1/jobs, GET /v1/jobs[/{id}[/events|/results]], DELETE /v1/jobs/{id},
GET /v1/workflows, an OpenAI-compatible /v1/chat/completions and /v1/models passed to registered
LLM replicas, /healthz and /metrics. Jobs live in NATS: a restarted gateway, or another one on the
same NATS, serves and resumes the same jobs (see docs/gateway.md).

options:
  --port N               port (default 8080; 0 = any free port)
  --host H               address (default 127.0.0.1)
  --tokens-file F        bearer tokens, one per line: "<token> [workflow,...]"
  --token-env NAME       environment variable holding tokens (same format, ";" between entries;
                         default MATRIX_GATEWAY_TOKENS)
  --no-auth              serve without tokens on a non-loopback address (refused otherwise)
  --allowed-root DIR     a directory job datasets may be read from (repeatable; none: inline tasks only)
  --max-body-bytes N     largest request body (default 16777216)
  --max-inline-tasks N   most inline task rows per job (default 10000)
  --cors-origin O        allow this browser origin (repeatable; default: no CORS)
  --llm-url URL          a static LLM replica (.../v1) besides the registry (repeatable)
  --id ID                this gateway's lease owner id (default <hostname>:<port>)
  --lease-s S            a job whose gateway stopped renewing its lease moves on after S s (default 15)
  --progress-ms N        how often the admitting gateway writes a job's progress (default 1000)
  --log-format FORMAT    text (default) or json
  --verbose              debug logs (one line per request)
  -h, --help             this help

NATS:
${NATS_HELP}`;

function int(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${flag}: expected an integer >= ${min}, got "${raw}"`);
  return n;
}

function seconds(flag: string, raw: string | undefined, fallback: number): number {
  const n = Number(raw ?? fallback);
  if (!Number.isFinite(n) || n < 0.3) throw new ConfigError(`--${flag}: expected seconds >= 0.3, got "${raw}"`);
  return Math.round(n * 1000);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export async function gatewayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...NATS_FLAGS,
      port: { type: "string" },
      host: { type: "string" },
      "tokens-file": { type: "string" },
      "token-env": { type: "string" },
      "no-auth": { type: "boolean" },
      "allowed-root": { type: "string", multiple: true },
      "max-body-bytes": { type: "string" },
      "max-inline-tasks": { type: "string" },
      "cors-origin": { type: "string", multiple: true },
      "llm-url": { type: "string", multiple: true },
      id: { type: "string" },
      "lease-s": { type: "string" },
      "progress-ms": { type: "string" },
      "log-format": { type: "string" },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(GATEWAY_HELP.replace("${NATS_HELP}", NATS_HELP) + "\n");
    return 0;
  }
  if (positionals.length > 0) throw new ConfigError(`matrix gateway: unexpected argument "${positionals[0]}" (see matrix gateway --help)`);
  const dist = deploymentFromFlags(values);
  if (!dist) throw new ConfigError("matrix gateway: --nats URL is required");
  const format = values["log-format"] ?? "text";
  if (format !== "text" && format !== "json") throw new ConfigError(`--log-format: expected text or json, got "${format}"`);
  const host = values.host ?? "127.0.0.1";
  const port = int("port", values.port, 8080, 0);

  let tokens: TokenSet | undefined;
  try {
    if (values["tokens-file"] !== undefined) tokens = TokenSet.parse(readFileSync(values["tokens-file"], "utf8"), values["tokens-file"]);
    else {
      const name = values["token-env"] ?? "MATRIX_GATEWAY_TOKENS";
      const text = process.env[name];
      if (text !== undefined && text.trim() !== "") tokens = TokenSet.parse(text, `$${name}`);
      else if (values["token-env"] !== undefined) throw new Error(`$${name} is empty`);
    }
  } catch (err) {
    throw new ConfigError(`tokens: ${(err as Error).message}`);
  }
  if (!tokens && !LOOPBACK.test(host) && !values["no-auth"]) {
    throw new ConfigError(`no tokens (--tokens-file or $MATRIX_GATEWAY_TOKENS): refusing to serve ${host} without auth (--no-auth to insist)`);
  }
  let allowedRoots: string[];
  try {
    allowedRoots = compileAllowedRoots(values["allowed-root"] ?? [], process.cwd());
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const leaseMs = seconds("lease-s", values["lease-s"], 15);
  const log = createLogger({ level: values.verbose ? "debug" : "info", format });
  if (!tokens) log.warn("auth is off: any client on this address may submit jobs", { host });
  const gw = await startGateway({
    deployment: dist,
    host,
    port,
    tokens,
    allowedRoots,
    maxBodyBytes: int("max-body-bytes", values["max-body-bytes"], 16 * 1024 * 1024, 1),
    maxInlineTasks: int("max-inline-tasks", values["max-inline-tasks"], 10_000, 1),
    corsOrigins: values["cors-origin"] ?? [],
    llmUrls: values["llm-url"] ?? [],
    id: values.id,
    leaseMs,
    scanMs: 1_000,
    progressMs: int("progress-ms", values["progress-ms"], 1_000, 10),
    sseIntervalMs: 500,
    cwd: process.cwd(),
    log,
  });
  let forced = false;
  let signalled!: () => void;
  const stop = new Promise<void>((r) => (signalled = r));
  const stopSignals = onShutdownSignals({
    first: () => signalled(),
    second: () => {
      forced = true;
      process.exit(1);
    },
  });
  log.info("gateway ready", { url: gw.url, id: gw.id, namespace: dist.namespace, auth: tokens ? "bearer" : "off" });
  try {
    await stop;
    log.info("gateway stopping: handing back the jobs it admits");
  } finally {
    stopSignals();
    await gw.close();
  }
  log.info("gateway stopped", { forced });
  return 0;
}
