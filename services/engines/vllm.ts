// vLLM's launch line: `vllm serve MODEL --host H --port P ...` with the OpenAI-compatible server's real flags.
import type { Argv, EngineLaunch } from "./launch.ts";

/**
 * The argv of `vllm serve` for one replica. Flags at their engine default (TP 1, no seed, ...) are left out so
 * the line stays readable; `engine_args` come last.
 *
 * @example vllmArgv(launch) // { file: "vllm", args: ["serve", "meta-llama/Llama-3.1-8B-Instruct", "--host", ...] }
 */
export function vllmArgv(l: EngineLaunch): Argv {
  const args = ["serve", l.model, "--host", l.host, "--port", String(l.port), "--served-model-name", l.served_model_name];
  if (l.tensor_parallel_size > 1) args.push("--tensor-parallel-size", String(l.tensor_parallel_size));
  if (l.pipeline_parallel_size > 1) args.push("--pipeline-parallel-size", String(l.pipeline_parallel_size));
  if (l.data_parallel_size > 1) args.push("--data-parallel-size", String(l.data_parallel_size));
  if (l.max_model_len !== null) args.push("--max-model-len", String(l.max_model_len));
  if (l.gpu_memory_utilization !== null) args.push("--gpu-memory-utilization", String(l.gpu_memory_utilization));
  if (l.max_num_seqs !== null) args.push("--max-num-seqs", String(l.max_num_seqs));
  // Spelled out rather than relying on the engine default, which changed between vLLM versions.
  args.push(l.enable_prefix_caching ? "--enable-prefix-caching" : "--no-enable-prefix-caching");
  if (l.tool_call_parser !== null) args.push("--enable-auto-tool-choice", "--tool-call-parser", l.tool_call_parser);
  if (l.seed !== null) args.push("--seed", String(l.seed));
  if (l.trust_remote_code) args.push("--trust-remote-code");
  args.push(...l.engine_args);
  return { file: l.executable ?? "vllm", args };
}
