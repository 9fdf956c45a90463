// The Apptainer backend: one contained instance per lease (no network, clean env, no home); execs join it.
import { Apptainer } from "../client.ts";
import { execEnv, execTimeoutMs, SANDBOX_WORKDIR, type SandboxBackend, type SandboxBox } from "./types.ts";

/** Instance name of a lease's sandbox. */
export function instanceName(box: SandboxBox): string {
  return `mx_${box.id.replace(/[^A-Za-z0-9]/g, "_")}`;
}

/** Time limit of instance start and stop. */
const CONTROL_TIMEOUT_S = 60;

/** Needs `spec.image` (a `.sif` file or sandbox directory that provides what the commands run). */
export function apptainerBackend(opts: { apptainer?: Apptainer } = {}): SandboxBackend {
  const cli = opts.apptainer ?? new Apptainer();
  return {
    name: "apptainer",
    async create(box) {
      if (!box.spec.image) throw new Error("the apptainer backend needs an image (set the pool's image)");
      await cli.instanceStart(
        box.spec.image,
        instanceName(box),
        {
          containall: true,
          cleanenv: true,
          no_home: true,
          writable_tmpfs: true,
          network_none: true,
          binds: [...box.spec.binds, { src: box.workDir, dst: SANDBOX_WORKDIR, ro: false }],
        },
        { timeout_s: CONTROL_TIMEOUT_S },
      );
    },
    exec(box, cmd, o) {
      return cli.instanceExec(
        instanceName(box),
        cmd,
        { cleanenv: true, pwd: SANDBOX_WORKDIR, env: execEnv(box, o) },
        {
          timeout_s: execTimeoutMs(o) / 1000,
          output_cap_bytes: box.spec.output_cap_bytes,
          ...(o.stdin === undefined ? {} : { stdin: o.stdin }),
          ...(o.signal ? { signal: o.signal } : {}),
        },
      );
    },
    async destroy(box) {
      await cli.instanceStop(instanceName(box), { timeout_s: CONTROL_TIMEOUT_S, force: true });
    },
  };
}
