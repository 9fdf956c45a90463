// What an engine builder needs to start one replica: the fully resolved launch of one engine process.

/** The engines a service manager can run. */
export type EngineName = "vllm" | "sglang" | "sim" | "command";

/** One replica's launch, compiled from its service spec and the model defaults: nothing left optional. */
export type EngineLaunch = {
  engine: EngineName;
  /** Replaces the engine's executable (`vllm`, `python`); null keeps the default. */
  executable: string | null;
  model: string;
  served_model_name: string;
  host: string;
  port: number;
  tensor_parallel_size: number;
  pipeline_parallel_size: number;
  data_parallel_size: number;
  max_model_len: number | null;
  gpu_memory_utilization: number | null;
  max_num_seqs: number | null;
  enable_prefix_caching: boolean;
  /** Tool-call parser in the engine's own naming; null = no tool calling. */
  tool_call_parser: string | null;
  seed: number | null;
  trust_remote_code: boolean;
  /** Appended unchanged after the builder's own flags, so a user can add or repeat any flag. */
  engine_args: string[];
  /** `command` engine: the argv, with `{host}`, `{port}`, `{model}`, `{served_model_name}` filled in. */
  command: string[];
  /** `sim` engine: the argv that starts this `matrix` binary (`node bin/matrix.js`, the compiled binary, ...). */
  matrix: string[];
};

/** A process to start: an executable and its argument array (never a shell line). */
export type Argv = { file: string; args: string[] };

/**
 * `engine_args` as written in services.yaml: an argument list kept as is, or a map turned into flags
 * (`true` → `--flag`, `false`/null → nothing, a list → the flag repeated, an object → its JSON).
 *
 * @example engineArgList({ "kv-cache-dtype": "fp8", "enforce-eager": true }) // ["--kv-cache-dtype", "fp8", "--enforce-eager"]
 */
export function engineArgList(input: readonly string[] | Readonly<Record<string, unknown>>): string[] {
  if (Array.isArray(input)) return input.map(String);
  const out: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    const flag = key.startsWith("-") ? key : `--${key}`;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === false || v === null || v === undefined) continue;
      if (v === true) out.push(flag);
      else out.push(flag, typeof v === "object" ? JSON.stringify(v) : String(v));
    }
  }
  return out;
}
