// `matrix sim-llm`: serves the simulated OpenAI-compatible LLM until SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { onShutdownSignals } from "../../runtime/adapter/signals.ts";
import { ConfigError } from "../../runtime/errors.ts";
import { compileSimOptions, mergeSimOptions, type SimOptions, type SimOptionsInput } from "./options.ts";
import { SIM_PROFILES } from "./profiles.ts";
import { startSimServer } from "./server.ts";

export const SIM_LLM_HELP = `usage: matrix sim-llm [options]

Serves an OpenAI-compatible simulated LLM: continuous-batching timing, seeded output lengths, scripted
content per workflow, vLLM-style /metrics. Routes: POST /v1/chat/completions, POST /v1/completions,
GET /v1/models, GET /health, GET /metrics.

options:
  --port N              port to listen on (default 8000; 0 = any free port)
  --host HOST           address to bind (default 127.0.0.1)
  --profile NAME        option set: ${Object.keys(SIM_PROFILES).join(", ")}
  --model M             served model name (requests for another model get 404)
  --time-scale X        simulated ms per real ms (10 = ten times faster than real time)
  --max-num-seqs N      running-sequence slots (more requests wait in a queue)
  --set KEY=VALUE       any option, repeatable: output_len.dist=fixed output_len.value=64 fixed_latency_ms=1000
                        error_rate=0.01 rate_429=0.05 retry_after_s=1 spike_rate=0.01 spike_ms=2000 seed=7 ...
  -h, --help            this help

Precedence: profile, then --set, then the dedicated flags. Prints one line when ready:
  sim-llm listening on http://HOST:PORT/v1 (model M)`;

/** A `--set` value: number, boolean or null when it reads as one, else the string. */
function parseValue(text: string): unknown {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "null") return null;
  if (/^-?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Number(text);
  return text;
}

/** Sets `a.b.c=value` into a nested options object. */
function setPath(target: Record<string, unknown>, pair: string): void {
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new ConfigError(`--set: "${pair}" is not KEY=VALUE`);
  const keys = pair.slice(0, eq).trim().split(".");
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (typeof next !== "object" || next === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = parseValue(pair.slice(eq + 1).trim());
}

function numberFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new ConfigError(`--${name}: expected a number, got "${text}"`);
  return n;
}

/** The host, port and compiled options of a command line; throws ConfigError on bad usage. */
export function parseSimLlmArgs(argv: string[]): { help: true } | { help: false; host: string; port: number; options: SimOptions } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      profile: { type: "string" },
      model: { type: "string" },
      "time-scale": { type: "string" },
      "max-num-seqs": { type: "string" },
      set: { type: "string", multiple: true },
      verbose: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { help: true };
  const port = numberFlag("port", values.port) ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port: expected an integer from 0 to 65535, got "${values.port}"`);
  const profileName = values.profile ?? "default";
  const profile = SIM_PROFILES[profileName];
  if (profile === undefined) {
    throw new ConfigError(`--profile: unknown profile "${profileName}" (profiles: ${Object.keys(SIM_PROFILES).join(", ")})`);
  }
  const sets: Record<string, unknown> = {};
  for (const pair of values.set ?? []) setPath(sets, pair);
  const flags: SimOptionsInput = {};
  if (values.model !== undefined) flags.model = values.model;
  const scale = numberFlag("time-scale", values["time-scale"]);
  if (scale !== undefined) flags.time_scale = scale;
  const seqs = numberFlag("max-num-seqs", values["max-num-seqs"]);
  if (seqs !== undefined) flags.max_num_seqs = seqs;
  const merged = mergeSimOptions(mergeSimOptions(profile, sets as SimOptionsInput), flags);
  return { help: false, host: values.host ?? "127.0.0.1", port, options: compileSimOptions(merged) };
}

/**
 * Runs `matrix sim-llm`; resolves with the exit code once a shutdown signal closed the server.
 * @example process.exitCode = await simLlmCommand(["--port", "0", "--time-scale", "50"]);
 */
export async function simLlmCommand(argv: string[]): Promise<number> {
  const parsed = parseSimLlmArgs(argv);
  if (parsed.help) {
    process.stdout.write(SIM_LLM_HELP + "\n");
    return 0;
  }
  const server = await startSimServer({ host: parsed.host, port: parsed.port, options: parsed.options });
  process.stdout.write(`sim-llm listening on ${server.url} (model ${parsed.options.model})\n`);
  let removeSignals = () => {};
  const forced = await new Promise<boolean>((resolve) => {
    removeSignals = onShutdownSignals({ first: () => resolve(false), second: () => resolve(true) }, ["SIGINT", "SIGTERM"]);
  });
  if (!forced) {
    let force!: () => void;
    const second = new Promise<void>((resolve) => (force = resolve));
    removeSignals();
    removeSignals = onShutdownSignals({ first: force, second: force }, ["SIGINT", "SIGTERM"]);
    const s = server.engine.stats();
    process.stderr.write(`sim-llm stopping: ${s.completed} completed, ${s.errors} errors, ${s.running + s.waiting} in flight\n`);
    const closed = await Promise.race([server.close().then(() => true), second.then(() => false)]);
    removeSignals();
    return closed ? 0 : 1;
  }
  removeSignals();
  return 1;
}
