// SGLang's launch line: `python -m sglang.launch_server --model-path MODEL ...` with its real flags.
import type { Argv, EngineLaunch } from "./launch.ts";

/**
 * The argv of SGLang's server for one replica. Metrics are always on (the manager reads the load from them);
 * SGLang's radix cache is its prefix cache, on by default, so turning prefix caching off disables it.
 *
 * @example sglangArgv(launch) // { file: "python", args: ["-m", "sglang.launch_server", "--model-path", ...] }
 */
export function sglangArgv(l: EngineLaunch): Argv {
  const args = ["-m", "sglang.launch_server", "--model-path", l.model, "--host", l.host, "--port", String(l.port)];
  args.push("--served-model-name", l.served_model_name);
  if (l.tensor_parallel_size > 1) args.push("--tp", String(l.tensor_parallel_size));
  if (l.pipeline_parallel_size > 1) args.push("--pp-size", String(l.pipeline_parallel_size));
  if (l.data_parallel_size > 1) args.push("--dp", String(l.data_parallel_size));
  if (l.max_model_len !== null) args.push("--context-length", String(l.max_model_len));
  if (l.gpu_memory_utilization !== null) args.push("--mem-fraction-static", String(l.gpu_memory_utilization));
  if (l.max_num_seqs !== null) args.push("--max-running-requests", String(l.max_num_seqs));
  if (!l.enable_prefix_caching) args.push("--disable-radix-cache");
  if (l.tool_call_parser !== null) args.push("--tool-call-parser", l.tool_call_parser);
  if (l.seed !== null) args.push("--random-seed", String(l.seed));
  args.push("--enable-metrics");
  if (l.trust_remote_code) args.push("--trust-remote-code");
  args.push(...l.engine_args);
  return { file: l.executable ?? "python", args };
}
