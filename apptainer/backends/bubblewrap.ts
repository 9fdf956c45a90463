// The bubblewrap backend: every exec is a fresh `bwrap` namespace sandbox over the lease's work dir.
import { lstatSync, readlinkSync } from "node:fs";
import { runCommand } from "../spawn.ts";
import { bubblewrapArgs, type HostLayout } from "./bubblewrap-args.ts";
import { execEnv, execTimeoutMs, type SandboxBackend } from "./types.ts";

/** Top-level paths a program needs to run: binaries, libraries, and the few /etc files the loader and libc read. */
const SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime", "/etc/ssl", "/etc/ca-certificates"];

/** The host's layout of the system paths that exist (symlinked /bin, /lib on merged-/usr systems stay symlinks). */
export function probeHostLayout(paths: readonly string[] = SYSTEM_PATHS): HostLayout {
  const out: HostLayout = [];
  for (const path of paths) {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) out.push({ path, kind: "symlink", target: readlinkSync(path) });
      else out.push({ path, kind: st.isDirectory() ? "dir" : "file" });
    } catch {
      // Absent on this host.
    }
  }
  return out;
}

/** `bwrap` from PATH (Debian: `apt-get install bubblewrap`). */
export function bubblewrapBackend(opts: { bwrap?: string; layout?: HostLayout } = {}): SandboxBackend {
  const bwrap = opts.bwrap ?? "bwrap";
  const layout = opts.layout ?? probeHostLayout();
  return {
    name: "bubblewrap",
    async create() {},
    exec(box, cmd, o) {
      const args = bubblewrapArgs({ layout, workDir: box.workDir, binds: box.spec.binds, env: execEnv(box, o), cmd });
      return runCommand(bwrap, args, {
        timeout_ms: execTimeoutMs(o),
        output_cap_bytes: box.spec.output_cap_bytes,
        ...(o.stdin === undefined ? {} : { stdin: o.stdin }),
        ...(o.signal ? { signal: o.signal } : {}),
      });
    },
    async destroy() {},
  };
}
