// Wraps an engine's argv in `apptainer exec [--nv] [--bind ...] IMAGE argv...` to run it inside a container.
import type { Argv } from "./launch.ts";

/** `container:` of a service spec, compiled. */
export type ContainerSpec = {
  image: string;
  /** `src[:dst[:opts]]` bind specs. */
  binds: string[];
  /** `--nv`: the host's NVIDIA driver and the GPUs in `CUDA_VISIBLE_DEVICES` inside the container. */
  nv: boolean;
  /** Extra `apptainer exec` options (`--containall`, `--writable-tmpfs`, ...). */
  args: string[];
  /** The apptainer (or singularity) executable. */
  executable: string;
};

/**
 * The argv that runs `inner` inside `c`. The environment (CUDA_VISIBLE_DEVICES included) passes through, as
 * apptainer does by default.
 *
 * @example inContainer(vllmArgv(l), { image: "vllm.sif", binds: ["/models"], nv: true, args: [], executable: "apptainer" })
 */
export function inContainer(inner: Argv, c: ContainerSpec): Argv {
  const args = ["exec"];
  if (c.nv) args.push("--nv");
  for (const b of c.binds) args.push("--bind", b);
  args.push(...c.args, c.image, inner.file, ...inner.args);
  return { file: c.executable, args };
}
