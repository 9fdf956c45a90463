// The backend contract: how one sandbox is created, runs commands, and is destroyed.
import type { ExecResult, SandboxBackendName, SandboxExecOptions, SandboxSpec } from "../../runtime/sandbox/types.ts";

/** One sandbox: its id, its writable work dir on the host (`/sandbox` inside), and the pool's spec. */
export type SandboxBox = { id: string; workDir: string; spec: SandboxSpec };

/** The work dir's path inside a sandbox (the process backend uses the host path instead). */
export const SANDBOX_WORKDIR = "/sandbox";

export interface SandboxBackend {
  readonly name: SandboxBackendName;
  /** Prepares the sandbox (the work dir exists already); Apptainer starts an instance here. */
  create(box: SandboxBox): Promise<void>;
  /** Runs `cmd` inside, work dir as current directory, the spec's env plus `opts.env` as the whole environment. */
  exec(box: SandboxBox, cmd: string[], opts: SandboxExecOptions): Promise<ExecResult>;
  /** Stops whatever `create` started (the pool removes the work dir). */
  destroy(box: SandboxBox): Promise<void>;
}

/** The environment of one exec. */
export function execEnv(box: SandboxBox, opts: SandboxExecOptions): Record<string, string> {
  return { ...box.spec.env, ...opts.env };
}

/** Time limit of one exec in ms (default 60 s). */
export function execTimeoutMs(opts: SandboxExecOptions): number {
  return Math.round((opts.timeout_s ?? 60) * 1000);
}
