// One entry point from a compiled launch to the argv of its process, natively or inside a container.
import { commandArgv } from "./command.ts";
import { inContainer, type ContainerSpec } from "./container.ts";
import type { Argv, EngineLaunch } from "./launch.ts";
import { sglangArgv } from "./sglang.ts";
import { simArgv } from "./sim.ts";
import { vllmArgv } from "./vllm.ts";

/**
 * The process that serves one replica.
 *
 * @example engineArgv(launch, null) // { file: "vllm", args: ["serve", ...] }
 */
export function engineArgv(l: EngineLaunch, container: ContainerSpec | null): Argv {
  const inner = l.engine === "vllm" ? vllmArgv(l) : l.engine === "sglang" ? sglangArgv(l) : l.engine === "sim" ? simArgv(l) : commandArgv(l);
  return container === null ? inner : inContainer(inner, container);
}
