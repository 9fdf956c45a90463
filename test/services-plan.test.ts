// Pure parts of the service manager: services.yaml errors, replica plans with defaults and GPUs, restart delays, load.
import { describe, expect, it } from "vitest";
import { assignGpus, gpuPool, loadFromMetrics, parseServicesFile, planReplicas, portRange, restartDelay } from "../services/manager/mod.ts";

const ctx = { manager_index: 2, hostname: "gpu-node.cluster", base_dir: "/jobs/a", visible_gpus: undefined, matrix: ["/bin/node", "/m/bin/matrix.js"] };

describe("services - services.yaml", () => {
  const bad: Array<[string, unknown, string]> = [
    ["unknown engine", { services: [{ name: "a", engine: "vlm", model: "m" }] }, 'services.yaml: services[0].engine: expected ("vllm" | "sglang" | "sim" | "command"), got "vlm"'],
    ["zero replicas", { services: [{ name: "a", engine: "vllm", model: "m", replicas: 0 }] }, "services.yaml: services[0].replicas: expected >=1, got 0"],
    ["unknown key", { services: [{ name: "a", engine: "vllm", model: "m", tp: 2 }] }, "services.yaml: services[0].tp: unknown key"],
    ["missing model", { services: [{ name: "a", engine: "vllm" }] }, "services.yaml: services[0].model: required key is missing"],
    ["bad port", { services: [{ name: "a", engine: "vllm", model: "m", port: "x" }] }, 'services.yaml: services[0].port: expected a port or a range "FROM-TO", got "x"'],
    ["bad nested key", { services: [{ name: "a", engine: "vllm", model: "m", restart: { policy: "sometimes" } }] }, 'services.yaml: services[0].restart.policy: expected ("always" | "on-failure" | "never"), got "sometimes"'],
    ["no services", {}, "services.yaml: services: required key is missing"],
    ["twice the same name", { services: [{ name: "a", engine: "sim", model: "m" }, { name: "a", engine: "sim", model: "m" }] }, 'services.yaml: services[1].name: "a" is used twice'],
    ["command without command", { services: [{ name: "a", engine: "command", model: "m" }] }, "services.yaml: services[0].command: the command engine needs a command"],
  ];
  for (const [name, input, message] of bad) {
    it(`services - ${name} is one line naming the key`, () => expect(() => parseServicesFile(input)).toThrow(message));
  }
});

describe("services - replica plans", () => {
  it("services - an 8B model on 8 GPUs: 8 replicas, one GPU each, defaults of the family", () => {
    const file = parseServicesFile({ services: [{ name: "llama8b", engine: "vllm", model: "meta-llama/Llama-3.1-8B-Instruct", replicas: 8 }] });
    const plans = planReplicas(file, ctx);
    expect(plans.map((p) => p.env.CUDA_VISIBLE_DEVICES)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
    expect(plans[3]).toMatchObject({
      id: "gpu-node_cluster-2-3",
      advertise_host: "gpu-node.cluster",
      log_path: "/jobs/a/logs/services/llama8b-2-3.log",
      max_ongoing_requests: 150,
      ports: { from: 8000, to: 8999 },
      launch: { tensor_parallel_size: 1, max_model_len: 131072, gpu_memory_utilization: 0.8, enable_prefix_caching: true, tool_call_parser: "llama3_json", served_model_name: "meta-llama/Llama-3.1-8B-Instruct" },
    });
  });

  it("services - a 70B model takes TP 4 from the table; two services never share a GPU", () => {
    const file = parseServicesFile({
      gpus: [0, 1, 2, 3, 4, 5, 6, 7],
      services: [
        { name: "big", engine: "sglang", model: "meta-llama/Llama-3.1-70B-Instruct", tool_call_parser: null, engine_args: { "enable-torch-compile": true } },
        { name: "small", engine: "vllm", model: "Qwen/Qwen2.5-7B-Instruct", replicas: 2, tensor_parallel_size: 2, env: { HF_HOME: "/cache" } },
        { name: "sim", engine: "sim", model: "sim", replicas: 3 },
      ],
    });
    const plans = planReplicas(file, ctx);
    expect(plans.map((p) => p.gpus.join(","))).toEqual(["0,1,2,3", "4,5", "6,7", "", "", ""]);
    expect(plans[0]!.launch).toMatchObject({ tensor_parallel_size: 4, tool_call_parser: null, engine_args: ["--enable-torch-compile"] });
    expect(plans[1]!.env).toEqual({ HF_HOME: "/cache", CUDA_VISIBLE_DEVICES: "4,5" });
    expect(plans[1]!.launch.tool_call_parser).toBe("hermes");
    expect(plans[5]!.env.CUDA_VISIBLE_DEVICES).toBeUndefined();
  });

  it("services - more GPUs than the pool is a config error", () => {
    const file = parseServicesFile({ services: [{ name: "x", engine: "vllm", model: "meta-llama/Llama-3.1-70B-Instruct", replicas: 3 }] });
    expect(() => planReplicas(file, { ...ctx, visible_gpus: "0,1,2,3,4,5,6,7" })).toThrow("gpus: the services need 12 GPUs but only 8 are available (0,1,2,3,4,5,6,7)");
  });

  it("services - GPU pools and groups", () => {
    expect(gpuPool(null, "2,3, 5", 2)).toEqual(["2", "3", "5"]);
    expect(gpuPool(["a", 1], "2", 1)).toEqual(["a", "1"]);
    expect(gpuPool(null, undefined, 3)).toEqual(["0", "1", "2"]);
    expect(assignGpus(["0", "1", "2", "3"], [2, 0, 1])).toEqual([["0", "1"], [], ["2"]]);
    expect(() => assignGpus(["0", "0"], [1])).toThrow(/twice/);
  });

  it("services - port ranges, restart delays and load from metrics", () => {
    expect(portRange(9000)).toEqual({ from: 9000, to: 9999 });
    expect(portRange("8100-8000")).toEqual({ from: 8000, to: 8100 });
    expect(portRange(0)).toEqual({ from: 0, to: 0 });
    const p = { initial_ms: 1000, max_ms: 10_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => restartDelay(n, p))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(loadFromMetrics('# HELP x\nvllm:num_requests_running{model_name="m"} 3\nvllm:num_requests_waiting{model_name="m"} 2.0\nvllm:other 9')).toBe(5);
    expect(loadFromMetrics("sglang:num_running_reqs 4\nsglang:num_queue_reqs 1")).toBe(5);
    expect(loadFromMetrics("nothing 1")).toBeNull();
  });
});
