// Which binds a sandbox service grants its clients: read-only, from folders the service allows, nowhere odd inside.
import { realpathSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { TerminalError } from "../../runtime/errors.ts";
import type { Bind } from "../../runtime/sandbox/types.ts";
import { SANDBOX_WORKDIR } from "../backends/types.ts";

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    throw new TerminalError("sandbox_bind", `bind source ${path} does not exist on this sandbox host`);
  }
}

function within(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * The binds a client asked for, made read-only, each checked: its source (symlinks resolved) is one of `allowed`
 * or below one, and its destination is an absolute path other than `/` and the work dir. Throws a terminal
 * `sandbox_bind` error naming the first bind refused.
 * @example checkBinds([{ src: "/data/tau2", dst: "/data/tau2", ro: false }], ["/data"]) // [{ ..., ro: true }]
 */
export function checkBinds(binds: readonly Bind[], allowed: readonly string[]): Bind[] {
  if (binds.length === 0) return [];
  const roots = allowed.flatMap((a) => {
    try {
      return [realpathSync(a)];
    } catch {
      return [];
    }
  });
  return binds.map((b) => {
    if (!isAbsolute(b.src) || !isAbsolute(b.dst)) throw new TerminalError("sandbox_bind", `bind ${b.src}:${b.dst}: paths must be absolute`);
    if (b.dst === "/" || within(b.dst, SANDBOX_WORKDIR)) throw new TerminalError("sandbox_bind", `bind ${b.src}:${b.dst}: cannot cover / or ${SANDBOX_WORKDIR}`);
    const src = real(b.src);
    if (!roots.some((r) => within(src, r))) {
      throw new TerminalError("sandbox_bind", `bind ${b.src} is outside the folders this sandbox service allows (allow_binds: ${allowed.join(", ") || "none"})`);
    }
    return { src, dst: b.dst, ro: true };
  });
}
