// The simulated LLM's launch line: this same `matrix` binary in `sim-llm` mode, serving the service's model name.
import type { Argv, EngineLaunch } from "./launch.ts";

/**
 * The argv of `matrix sim-llm` for one replica. Engine settings map onto sim options where the simulator has
 * them (slots, context, seed, prefix cache); `engine_args` pass further `--set KEY=VALUE` or `--profile`.
 *
 * @example simArgv({ ...launch, matrix: ["node", "bin/matrix.js"] }) // { file: "node", args: ["bin/matrix.js", "sim-llm", ...] }
 */
export function simArgv(l: EngineLaunch): Argv {
  const [file, ...pre] = l.executable !== null ? [l.executable] : l.matrix;
  if (file === undefined) throw new Error("sim engine: no matrix binary to start");
  const args = [...pre, "sim-llm", "--host", l.host, "--port", String(l.port), "--model", l.served_model_name];
  if (l.max_num_seqs !== null) args.push("--max-num-seqs", String(l.max_num_seqs));
  if (l.max_model_len !== null) args.push("--set", `max_model_len=${l.max_model_len}`);
  if (l.seed !== null) args.push("--set", `seed=${l.seed}`);
  if (l.enable_prefix_caching) args.push("--set", "prefix_cache=true");
  args.push(...l.engine_args);
  return { file, args };
}
