// Pure argument builder for `bwrap`: read-only system dirs, private /tmp and /dev, a writable work dir, no network.
import type { Bind } from "../../runtime/sandbox/types.ts";
import { SANDBOX_WORKDIR } from "./types.ts";

/** How a top-level system path appears on the host: a directory to bind, or a symlink to recreate. */
export type HostEntry = { path: string; kind: "dir" | "file" } | { path: string; kind: "symlink"; target: string };

/** The system paths a sandbox sees read-only (probed once from the host). */
export type HostLayout = HostEntry[];

export type BubblewrapInput = {
  layout: HostLayout;
  /** Host path of the lease's work dir, mounted writable at `/sandbox`. */
  workDir: string;
  binds: Bind[];
  env: Record<string, string>;
  cmd: string[];
};

/**
 * The `bwrap` argv for one command. Order matters: system paths, then proc/dev/tmp, then user binds and the work
 * dir, then `--remount-ro /` so nothing but the work dir and the private /tmp is writable.
 * @example bubblewrapArgs({ layout: [{ path: "/usr", kind: "dir" }], workDir: "/w", binds: [], env: {}, cmd: ["true"] })
 */
export function bubblewrapArgs(input: BubblewrapInput): string[] {
  const a: string[] = [];
  for (const e of input.layout) {
    if (e.kind === "symlink") a.push("--symlink", e.target, e.path);
    else a.push("--ro-bind", e.path, e.path);
  }
  a.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  for (const b of input.binds) a.push(b.ro === false ? "--bind" : "--ro-bind", b.src, b.dst);
  a.push("--bind", input.workDir, SANDBOX_WORKDIR, "--chdir", SANDBOX_WORKDIR, "--remount-ro", "/");
  // No network (and separate pid, ipc, uts, user, cgroup namespaces); killed with the runner; no tty access.
  a.push("--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv");
  for (const [k, v] of Object.entries(input.env)) a.push("--setenv", k, v);
  a.push("--", ...input.cmd);
  return a;
}
