// Per-model launch defaults for the common model families: parallelism, context, memory, tool parser, load cap.

/** What a model family starts with unless its service spec says otherwise. */
export type ModelDefaults = {
  tensor_parallel_size: number;
  pipeline_parallel_size: number;
  /** Context length passed to the engine; null leaves the engine's own (from the model config). */
  max_model_len: number | null;
  gpu_memory_utilization: number | null;
  enable_prefix_caching: boolean;
  /** vLLM's `--tool-call-parser` name (with `--enable-auto-tool-choice`); null = no tool calling. */
  tool_call_parser: string | null;
  /** SGLang's `--tool-call-parser` name (SGLang names some parsers differently). */
  sglang_tool_call_parser: string | null;
  /** Requests one replica should have in flight at most (clients cap and spill over above it). */
  max_ongoing_requests: number;
};

/** One row of the table: the first row whose pattern matches the model id (case-insensitive) applies. */
export type ModelDefaultsRow = { pattern: RegExp; family: string; defaults: Partial<ModelDefaults> };

/** Used for any model no row matches: the engine's own context and memory settings, prefix caching on. */
export const FALLBACK_DEFAULTS: ModelDefaults = {
  tensor_parallel_size: 1,
  pipeline_parallel_size: 1,
  max_model_len: null,
  gpu_memory_utilization: null,
  enable_prefix_caching: true,
  tool_call_parser: null,
  sglang_tool_call_parser: null,
  max_ongoing_requests: 100,
};

const LLAMA3 = { tool_call_parser: "llama3_json", sglang_tool_call_parser: "llama3" };
const QWEN = { tool_call_parser: "hermes", sglang_tool_call_parser: "qwen25" };
const MISTRAL = { tool_call_parser: "mistral", sglang_tool_call_parser: "mistral" };
const LONG = { max_model_len: 131_072, gpu_memory_utilization: 0.8 };

/**
 * The built-in table, most specific rows first. The Llama 3.1 rows follow the reference deployment
 * (8B: TP 1, 128k context, 0.8 memory, `llama3_json`, ~150 requests per replica; 70B: TP 4; 405B FP8: TP 8).
 */
export const MODEL_DEFAULTS: readonly ModelDefaultsRow[] = [
  { pattern: /llama-3\.[13]-405b/i, family: "llama-3.1-405b", defaults: { ...LLAMA3, ...LONG, tensor_parallel_size: 8, max_ongoing_requests: 64 } },
  { pattern: /llama-3\.[123]-70b/i, family: "llama-3.x-70b", defaults: { ...LLAMA3, ...LONG, tensor_parallel_size: 4, max_ongoing_requests: 150 } },
  { pattern: /llama-3\.[12]-[138]b/i, family: "llama-3.x-small", defaults: { ...LLAMA3, ...LONG, tensor_parallel_size: 1, max_ongoing_requests: 150 } },
  { pattern: /llama-3-70b/i, family: "llama-3-70b", defaults: { ...LLAMA3, max_model_len: 8192, gpu_memory_utilization: 0.8, tensor_parallel_size: 4, max_ongoing_requests: 150 } },
  { pattern: /llama-3-8b/i, family: "llama-3-8b", defaults: { ...LLAMA3, max_model_len: 8192, gpu_memory_utilization: 0.8, max_ongoing_requests: 150 } },
  { pattern: /qwen3-235b/i, family: "qwen3-235b-moe", defaults: { ...QWEN, tensor_parallel_size: 8, max_model_len: 40_960, gpu_memory_utilization: 0.85, max_ongoing_requests: 64 } },
  { pattern: /qwen3-(30b|32b)/i, family: "qwen3-32b", defaults: { ...QWEN, tensor_parallel_size: 2, max_model_len: 40_960, gpu_memory_utilization: 0.85, max_ongoing_requests: 128 } },
  { pattern: /qwen3-(0\.6b|1\.7b|4b|8b|14b)/i, family: "qwen3-small", defaults: { ...QWEN, max_model_len: 40_960, gpu_memory_utilization: 0.85, max_ongoing_requests: 150 } },
  { pattern: /qwen2\.5-72b/i, family: "qwen2.5-72b", defaults: { ...QWEN, tensor_parallel_size: 4, max_model_len: 32_768, gpu_memory_utilization: 0.85, max_ongoing_requests: 150 } },
  { pattern: /qwen2\.5-32b/i, family: "qwen2.5-32b", defaults: { ...QWEN, tensor_parallel_size: 2, max_model_len: 32_768, gpu_memory_utilization: 0.85, max_ongoing_requests: 128 } },
  { pattern: /qwen2\.5-(0\.5b|1\.5b|3b|7b|14b)/i, family: "qwen2.5-small", defaults: { ...QWEN, max_model_len: 32_768, gpu_memory_utilization: 0.85, max_ongoing_requests: 150 } },
  { pattern: /mixtral-8x22b/i, family: "mixtral-8x22b", defaults: { ...MISTRAL, tensor_parallel_size: 8, max_model_len: 65_536, gpu_memory_utilization: 0.85, max_ongoing_requests: 96 } },
  { pattern: /mixtral-8x7b/i, family: "mixtral-8x7b", defaults: { ...MISTRAL, tensor_parallel_size: 2, max_model_len: 32_768, gpu_memory_utilization: 0.85, max_ongoing_requests: 128 } },
  { pattern: /mistral-7b/i, family: "mistral-7b", defaults: { ...MISTRAL, max_model_len: 32_768, gpu_memory_utilization: 0.85, max_ongoing_requests: 150 } },
  { pattern: /gemma-2-27b/i, family: "gemma-2-27b", defaults: { tensor_parallel_size: 2, max_model_len: 8192, gpu_memory_utilization: 0.85, max_ongoing_requests: 128 } },
  { pattern: /gemma-2-(2b|9b)/i, family: "gemma-2-small", defaults: { max_model_len: 8192, gpu_memory_utilization: 0.85, max_ongoing_requests: 150 } },
  { pattern: /deepseek-r1-distill-llama-70b/i, family: "r1-distill-70b", defaults: { ...LONG, tensor_parallel_size: 4, max_ongoing_requests: 128 } },
  { pattern: /deepseek-r1-distill-(llama-8b|qwen-(1\.5b|7b|14b))/i, family: "r1-distill-small", defaults: { ...LONG, max_ongoing_requests: 128 } },
];

/**
 * The defaults of `model`: the first matching row over the fallback; `table` replaces the built-in table.
 *
 * @example modelDefaults("meta-llama/Llama-3.1-70B-Instruct").tensor_parallel_size // 4
 */
export function modelDefaults(model: string, table: readonly ModelDefaultsRow[] = MODEL_DEFAULTS): ModelDefaults & { family: string } {
  for (const row of table) {
    if (row.pattern.test(model)) return { ...FALLBACK_DEFAULTS, ...row.defaults, family: row.family };
  }
  return { ...FALLBACK_DEFAULTS, family: "unknown" };
}
