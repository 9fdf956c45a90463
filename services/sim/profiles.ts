// Named option sets for the simulated LLM (`matrix sim-llm --profile NAME`).
import type { SimOptionsInput } from "./options.ts";

/**
 * `default`: the built-in numbers (12 ms steps +0.04 ms per running sequence, 256 slots).
 * `fast`: the defaults at 50x real time, for tests.
 * `llama-8b-h100`: Llama 3.1 8B (bf16) under vLLM on one H100: ~7 ms steps at batch 1, ~27 ms at 256
 * (about 9,500 tokens/s at full batch), prefill ~25,000 tokens/s.
 * `llama-70b-4xh100`: Llama 3.1 70B, tensor parallel 4 on H100: ~20 ms steps at batch 1, ~46 ms at 256.
 */
export const SIM_PROFILES: Record<string, SimOptionsInput> = {
  default: {},
  fast: { time_scale: 50 },
  "llama-8b-h100": {
    model: "meta-llama/Llama-3.1-8B-Instruct",
    max_num_seqs: 256,
    max_model_len: 131_072,
    prefill_ms_per_token: 0.04,
    decode_step_ms: 7,
    decode_ms_per_seq: 0.078,
  },
  "llama-70b-4xh100": {
    model: "meta-llama/Llama-3.1-70B-Instruct",
    max_num_seqs: 256,
    max_model_len: 131_072,
    prefill_ms_per_token: 0.12,
    decode_step_ms: 20,
    decode_ms_per_seq: 0.1,
  },
};
