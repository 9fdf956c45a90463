// The process backend: no isolation at all (development only; a pool must name it explicitly).
import { runCommand } from "../spawn.ts";
import { execEnv, execTimeoutMs, type SandboxBackend } from "./types.ts";

/** Runs commands as plain child processes in the lease's work dir (its process group is killed on timeout). */
export function processBackend(): SandboxBackend {
  return {
    name: "process",
    async create() {},
    exec(box, cmd, o) {
      const [file, ...args] = cmd;
      if (file === undefined) throw new Error("empty command");
      return runCommand(file, args, {
        cwd: box.workDir,
        env: execEnv(box, o),
        timeout_ms: execTimeoutMs(o),
        output_cap_bytes: box.spec.output_cap_bytes,
        ...(o.stdin === undefined ? {} : { stdin: o.stdin }),
        ...(o.signal ? { signal: o.signal } : {}),
      });
    },
    async destroy() {},
  };
}
