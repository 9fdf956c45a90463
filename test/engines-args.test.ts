// Table tests of the engine launch lines (vLLM, SGLang, sim, command, apptainer) and the per-model defaults.
import { describe, expect, it } from "vitest";
import { engineArgList, engineArgv, modelDefaults, type EngineLaunch } from "../services/engines/mod.ts";

const base: EngineLaunch = {
  engine: "vllm",
  executable: null,
  model: "meta-llama/Llama-3.1-8B-Instruct",
  served_model_name: "llama8b",
  host: "0.0.0.0",
  port: 8001,
  tensor_parallel_size: 1,
  pipeline_parallel_size: 1,
  data_parallel_size: 1,
  max_model_len: 131072,
  gpu_memory_utilization: 0.8,
  max_num_seqs: 256,
  enable_prefix_caching: true,
  tool_call_parser: "llama3_json",
  seed: 7,
  trust_remote_code: false,
  engine_args: [],
  command: [],
  matrix: ["/usr/bin/node", "/repo/bin/matrix.js"],
};

const line = (l: Partial<EngineLaunch>, container: Parameters<typeof engineArgv>[1] = null) => {
  const a = engineArgv({ ...base, ...l }, container);
  return [a.file, ...a.args].join(" ");
};

describe("engines - launch lines", () => {
  const cases: Array<[string, Partial<EngineLaunch>, string]> = [
    [
      "vllm 8B with defaults of the reference deployment",
      {},
      "vllm serve meta-llama/Llama-3.1-8B-Instruct --host 0.0.0.0 --port 8001 --served-model-name llama8b --max-model-len 131072 " +
        "--gpu-memory-utilization 0.8 --max-num-seqs 256 --enable-prefix-caching --enable-auto-tool-choice --tool-call-parser llama3_json --seed 7",
    ],
    [
      "vllm 70B with TP 4, PP 2, no tools, remote code, extra args",
      {
        model: "meta-llama/Llama-3.1-70B-Instruct",
        tensor_parallel_size: 4,
        pipeline_parallel_size: 2,
        max_model_len: null,
        gpu_memory_utilization: null,
        max_num_seqs: null,
        enable_prefix_caching: false,
        tool_call_parser: null,
        seed: null,
        trust_remote_code: true,
        engine_args: ["--kv-cache-dtype", "fp8"],
      },
      "vllm serve meta-llama/Llama-3.1-70B-Instruct --host 0.0.0.0 --port 8001 --served-model-name llama8b --tensor-parallel-size 4 " +
        "--pipeline-parallel-size 2 --no-enable-prefix-caching --trust-remote-code --kv-cache-dtype fp8",
    ],
    [
      "vllm from a given executable with data parallel",
      { executable: "/opt/venv/bin/vllm", data_parallel_size: 2, max_model_len: null, gpu_memory_utilization: null, max_num_seqs: null, tool_call_parser: null, seed: null },
      "/opt/venv/bin/vllm serve meta-llama/Llama-3.1-8B-Instruct --host 0.0.0.0 --port 8001 --served-model-name llama8b --data-parallel-size 2 --enable-prefix-caching",
    ],
    [
      "sglang with TP, DP and its own flag names",
      { engine: "sglang", tensor_parallel_size: 2, data_parallel_size: 2, tool_call_parser: "llama3", trust_remote_code: true, engine_args: ["--chunked-prefill-size", "4096"] },
      "python -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct --host 0.0.0.0 --port 8001 --served-model-name llama8b " +
        "--tp 2 --dp 2 --context-length 131072 --mem-fraction-static 0.8 --max-running-requests 256 --tool-call-parser llama3 --random-seed 7 " +
        "--enable-metrics --trust-remote-code --chunked-prefill-size 4096",
    ],
    [
      "sglang without prefix caching disables the radix cache",
      { engine: "sglang", executable: "python3", max_model_len: null, gpu_memory_utilization: null, max_num_seqs: null, enable_prefix_caching: false, tool_call_parser: null, seed: null },
      "python3 -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct --host 0.0.0.0 --port 8001 --served-model-name llama8b --disable-radix-cache --enable-metrics",
    ],
    [
      "sim runs this matrix binary",
      { engine: "sim", engine_args: ["--set", "time_scale=50"] },
      "/usr/bin/node /repo/bin/matrix.js sim-llm --host 0.0.0.0 --port 8001 --model llama8b --max-num-seqs 256 --set max_model_len=131072 " +
        "--set seed=7 --set prefix_cache=true --set time_scale=50",
    ],
    [
      "command fills its placeholders",
      { engine: "command", command: ["my-server", "--listen", "{host}:{port}", "--name={served_model_name}", "{model}"], engine_args: ["-v"] },
      "my-server --listen 0.0.0.0:8001 --name=llama8b meta-llama/Llama-3.1-8B-Instruct -v",
    ],
  ];
  for (const [name, over, expected] of cases) {
    it(`engines - ${name}`, () => expect(line(over)).toBe(expected));
  }

  it("engines - a container wraps the line in apptainer exec --nv with binds", () => {
    const c = { image: "/images/vllm.sif", binds: ["/models:/models:ro", "/scratch"], nv: true, args: ["--containall"], executable: "apptainer" };
    expect(line({ max_model_len: null, gpu_memory_utilization: null, max_num_seqs: null, tool_call_parser: null, seed: null }, c)).toBe(
      "apptainer exec --nv --bind /models:/models:ro --bind /scratch --containall /images/vllm.sif vllm serve meta-llama/Llama-3.1-8B-Instruct " +
        "--host 0.0.0.0 --port 8001 --served-model-name llama8b --enable-prefix-caching",
    );
    expect(line({ engine: "command", command: ["srv"] }, { ...c, nv: false, binds: [], args: [] })).toBe("apptainer exec /images/vllm.sif srv");
  });

  it("engines - engine_args maps become flags", () => {
    expect(engineArgList(["--a", "1"])).toEqual(["--a", "1"]);
    expect(
      engineArgList({ "kv-cache-dtype": "fp8", "enforce-eager": true, "disable-log-stats": false, x: null, "--lora-modules": ["a=/a", "b=/b"], "compilation-config": { level: 3 } }),
    ).toEqual(["--kv-cache-dtype", "fp8", "--enforce-eager", "--lora-modules", "a=/a", "--lora-modules", "b=/b", "--compilation-config", '{"level":3}']);
  });
});

describe("engines - model defaults", () => {
  const rows: Array<[string, Record<string, unknown>]> = [
    ["meta-llama/Llama-3.1-8B-Instruct", { family: "llama-3.x-small", tensor_parallel_size: 1, enable_prefix_caching: true, max_model_len: 131072, gpu_memory_utilization: 0.8, tool_call_parser: "llama3_json", sglang_tool_call_parser: "llama3", max_ongoing_requests: 150 }],
    ["meta-llama/Llama-3.3-70B-Instruct", { tensor_parallel_size: 4, tool_call_parser: "llama3_json" }],
    ["meta-llama/Llama-3.1-405B-Instruct-FP8", { tensor_parallel_size: 8 }],
    ["Qwen/Qwen2.5-7B-Instruct", { tensor_parallel_size: 1, tool_call_parser: "hermes", sglang_tool_call_parser: "qwen25" }],
    ["Qwen/Qwen2.5-72B-Instruct", { tensor_parallel_size: 4 }],
    ["mistralai/Mixtral-8x7B-Instruct-v0.1", { tensor_parallel_size: 2, tool_call_parser: "mistral" }],
    ["/models/my-own-model", { family: "unknown", tensor_parallel_size: 1, max_model_len: null, tool_call_parser: null, enable_prefix_caching: true }],
  ];
  for (const [model, expected] of rows) {
    it(`engines - defaults of ${model}`, () => expect(modelDefaults(model)).toMatchObject(expected));
  }
  it("engines - a user table replaces the built-in one", () => {
    const table = [{ pattern: /mine/, family: "mine", defaults: { tensor_parallel_size: 2 } }];
    expect(modelDefaults("org/mine-7b", table)).toMatchObject({ family: "mine", tensor_parallel_size: 2, enable_prefix_caching: true });
    expect(modelDefaults("meta-llama/Llama-3.1-8B-Instruct", table).family).toBe("unknown");
  });
});
