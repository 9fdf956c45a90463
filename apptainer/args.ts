// Pure argument builders for the Apptainer CLI (the documented command forms; no shell, one argv element per word).
import type { Bind } from "../runtime/sandbox/types.ts";

/** Options shared by `exec` and `instance start` (names follow the CLI flags). */
export type ContainerOptions = {
  /** `--bind src:dst[:ro]`, one flag per bind. */
  binds?: Bind[];
  /** `--env KEY=VALUE`, one flag per variable. */
  env?: Record<string, string>;
  /** `--nv`: NVIDIA GPU support. */
  nv?: boolean;
  /** `--containall`: contain file systems, PID, IPC and environment. */
  containall?: boolean;
  /** `--cleanenv`: start from an empty environment. */
  cleanenv?: boolean;
  /** `--no-home`: do not mount the home directory. */
  no_home?: boolean;
  /** `--writable-tmpfs`: a writable in-memory overlay. */
  writable_tmpfs?: boolean;
  /** `--pwd DIR`: initial working directory inside. */
  pwd?: string;
  /** `--net --network none`: a network namespace with no interfaces but loopback. */
  network_none?: boolean;
};

function bindSpec(b: Bind): string {
  for (const p of [b.src, b.dst]) if (p.includes(":") || p.includes(",")) throw new Error(`apptainer bind path must not contain ':' or ',': ${p}`);
  return `${b.src}:${b.dst}${b.ro === false ? "" : ":ro"}`;
}

/** The flags for `opts`, in a fixed order. */
export function containerFlags(opts: ContainerOptions): string[] {
  const a: string[] = [];
  if (opts.containall) a.push("--containall");
  if (opts.cleanenv) a.push("--cleanenv");
  if (opts.no_home) a.push("--no-home");
  if (opts.writable_tmpfs) a.push("--writable-tmpfs");
  if (opts.nv) a.push("--nv");
  if (opts.network_none) a.push("--net", "--network", "none");
  for (const b of opts.binds ?? []) a.push("--bind", bindSpec(b));
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    // Apptainer splits --env values on commas; such values need an env file instead.
    if (v.includes(",")) throw new Error(`apptainer --env value of ${k} must not contain ','`);
    a.push("--env", `${k}=${v}`);
  }
  if (opts.pwd !== undefined) a.push("--pwd", opts.pwd);
  return a;
}

/** `apptainer exec [options] IMAGE CMD...` */
export function execArgs(image: string, cmd: readonly string[], opts: ContainerOptions = {}): string[] {
  if (cmd.length === 0) throw new Error("apptainer exec needs a command");
  return ["exec", ...containerFlags(opts), image, ...cmd];
}

/** `apptainer instance start [options] IMAGE NAME` */
export function instanceStartArgs(image: string, name: string, opts: ContainerOptions = {}): string[] {
  return ["instance", "start", ...containerFlags(opts), image, checkName(name)];
}

/** `apptainer exec [options] instance://NAME CMD...` (mount and namespace options were fixed at start). */
export function instanceExecArgs(name: string, cmd: readonly string[], opts: Pick<ContainerOptions, "env" | "pwd" | "cleanenv"> = {}): string[] {
  return execArgs(`instance://${checkName(name)}`, cmd, opts);
}

/** `apptainer instance stop [--force] NAME` */
export function instanceStopArgs(name: string, opts: { force?: boolean } = {}): string[] {
  return ["instance", "stop", ...(opts.force ? ["--force"] : []), checkName(name)];
}

/** `apptainer instance list --json` */
export function instanceListArgs(): string[] {
  return ["instance", "list", "--json"];
}

/** `apptainer build [--force] [--fakeroot] [--sandbox] OUT DEF` */
export function buildArgs(out: string, definition: string, opts: { force?: boolean; fakeroot?: boolean; sandbox?: boolean } = {}): string[] {
  const a = ["build"];
  if (opts.force) a.push("--force");
  if (opts.fakeroot) a.push("--fakeroot");
  if (opts.sandbox) a.push("--sandbox");
  return [...a, out, definition];
}

/** Instance names are letters, digits, `_`, `-` and `.` (they become paths and `instance://` URIs). */
function checkName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`invalid apptainer instance name "${name}"`);
  return name;
}
