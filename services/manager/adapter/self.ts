// The argv that starts this same `matrix` binary again (for `sim` replicas), on Node, Deno, Bun or a compiled binary.
import { fileURLToPath } from "node:url";

type DenoLike = { execPath(): string; mainModule: string };

/**
 * Node: `node bin/matrix.js`; Deno: `deno run -A bin/matrix.ts`; Bun: `bun bin/matrix.ts`; a compiled binary:
 * the binary itself.
 */
export function selfArgv(): string[] {
  const g = globalThis as { Deno?: DenoLike; Bun?: { main: string } };
  if (g.Deno !== undefined) {
    const main = g.Deno.mainModule;
    // `deno compile` binaries carry their main module inside.
    if (!main.startsWith("file:")) return [g.Deno.execPath()];
    return [g.Deno.execPath(), "run", "-A", fileURLToPath(main)];
  }
  if (g.Bun !== undefined) {
    if (g.Bun.main.startsWith("/$bunfs/") || g.Bun.main.startsWith("B:\\~BUN")) return [process.execPath];
    return [process.execPath, g.Bun.main];
  }
  const script = process.argv[1];
  return script === undefined ? [process.execPath] : [process.execPath, script];
}

/** This machine's host name. */
export { hostname } from "node:os";
