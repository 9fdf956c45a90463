// The Apptainer CLI as typed calls: each builds its argv (args.ts) and runs it with a time limit and an abort signal.
import * as v from "valibot";
import { MatrixError } from "../runtime/errors.ts";
import type { ExecResult } from "../runtime/sandbox/types.ts";
import { buildArgs, execArgs, instanceExecArgs, instanceListArgs, instanceStartArgs, instanceStopArgs, type ContainerOptions } from "./args.ts";
import { runCommand } from "./spawn.ts";

/** Limits of one CLI call. */
export type CallOptions = {
  signal?: AbortSignal;
  /** Time limit in seconds; the whole process tree is killed when it passes. */
  timeout_s: number;
  /** Text for the command's stdin. */
  stdin?: string;
  /** Most bytes of stdout / stderr kept (the tail). */
  output_cap_bytes?: number;
};

/** One entry of `apptainer instance list --json`. */
export const InstanceInfo = v.looseObject({ instance: v.string(), pid: v.optional(v.number()), img: v.optional(v.string()) });
export type InstanceInfo = v.InferOutput<typeof InstanceInfo>;
const InstanceList = v.looseObject({ instances: v.nullish(v.array(InstanceInfo)) });

/**
 * A handle on the `apptainer` program.
 * @example const a = new Apptainer(); await a.exec("img.sif", ["python3", "-V"], { containall: true }, { timeout_s: 30 });
 */
export class Apptainer {
  readonly program: string;
  readonly #env: Record<string, string>;

  /**
   * `program` defaults to `apptainer` on PATH. `env` is the CLI's own environment; by default PATH, HOME and the
   * `APPTAINER_*` settings (cache and tmp dirs, ...) of this process: nothing else reaches the container.
   */
  constructor(opts: { program?: string; env?: Record<string, string> } = {}) {
    this.program = opts.program ?? "apptainer";
    this.#env = opts.env ?? cliEnv(process.env);
  }

  /** Runs an argv as given (the builders' output). */
  run(args: string[], call: CallOptions): Promise<ExecResult> {
    return runCommand(this.program, args, {
      env: this.#env,
      timeout_ms: Math.round(call.timeout_s * 1000),
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.stdin === undefined ? {} : { stdin: call.stdin }),
      ...(call.output_cap_bytes === undefined ? {} : { output_cap_bytes: call.output_cap_bytes }),
    });
  }

  exec(image: string, cmd: string[], opts: ContainerOptions, call: CallOptions): Promise<ExecResult> {
    return this.run(execArgs(image, cmd, opts), call);
  }

  async instanceStart(image: string, name: string, opts: ContainerOptions, call: CallOptions): Promise<void> {
    must(await this.run(instanceStartArgs(image, name, opts), call), `instance start ${name}`);
  }

  instanceExec(name: string, cmd: string[], opts: Pick<ContainerOptions, "env" | "pwd" | "cleanenv">, call: CallOptions): Promise<ExecResult> {
    return this.run(instanceExecArgs(name, cmd, opts), call);
  }

  async instanceStop(name: string, call: CallOptions & { force?: boolean }): Promise<void> {
    must(await this.run(instanceStopArgs(name, { force: call.force ?? false }), call), `instance stop ${name}`);
  }

  async instanceList(call: CallOptions): Promise<InstanceInfo[]> {
    const r = must(await this.run(instanceListArgs(), call), "instance list");
    try {
      return v.parse(InstanceList, JSON.parse(r.stdout)).instances ?? [];
    } catch (err) {
      throw new MatrixError("apptainer", `apptainer instance list --json printed unreadable output: ${(err as Error).message}`);
    }
  }

  async build(out: string, definition: string, opts: { force?: boolean; fakeroot?: boolean; sandbox?: boolean }, call: CallOptions): Promise<void> {
    must(await this.run(buildArgs(out, definition, opts), call), `build ${out}`);
  }
}

/** PATH, HOME and `APPTAINER_*` variables of an environment. */
export function cliEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { PATH: env.PATH ?? "/usr/bin:/bin", HOME: env.HOME ?? "/tmp" };
  for (const [k, v] of Object.entries(env)) if (k.startsWith("APPTAINER_") && v !== undefined) out[k] = v;
  return out;
}

/** A failed CLI call as an error naming the call, its exit and the tail of stderr. */
function must(r: ExecResult, what: string): ExecResult {
  if (r.timed_out) throw new MatrixError("apptainer_timeout", `apptainer ${what} timed out after ${r.duration_ms} ms`, { retryable: true });
  if (r.exit_code !== 0) {
    throw new MatrixError("apptainer", `apptainer ${what} failed (exit ${r.exit_code}): ${r.stderr.trim().split("\n").slice(-2).join(" | ")}`);
  }
  return r;
}
