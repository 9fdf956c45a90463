// Builds the single `matrix` binary into a temporary directory for tests, and runs it on a "machine" without Node.
import { accessSync, constants, copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { execa, type Options } from "execa";
import { ROOT } from "./cli.ts";

/** A freshly built binary: `exe` has the cbor addon beside it under `dir/prebuilds/`. */
export type BuiltBinary = { dir: string; exe: string; dispose(): void };

/** Runs `npm run build:binary`'s script with a temporary output path (about a second: Bun only bundles and appends). */
export async function buildBinary(): Promise<BuiltBinary> {
  const dir = mkdtempSync(join(tmpdir(), "matrix-bin-"));
  const exe = join(dir, "matrix");
  await execa(process.execPath, [join(ROOT, "bin/run-ts.js"), join(ROOT, "bin/build-binary.ts"), exe], { cwd: ROOT });
  return { dir, exe, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies the binary (and, if asked, its addon directory) into a fresh directory, as a user copies it to a cluster. */
export function installCopy(bin: BuiltBinary, withAddon: boolean): { dir: string; exe: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), "matrix-copy-"));
  copyFileSync(bin.exe, join(dir, "matrix"));
  if (withAddon) cpSync(join(bin.dir, "prebuilds"), join(dir, "prebuilds"), { recursive: true });
  mkdirSync(join(dir, "empty-path"));
  return { dir, exe: join(dir, "matrix"), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Absolute path of bubblewrap (the child's PATH will not contain it). */
function bwrapPath(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    try {
      accessSync(join(dir, "bwrap"), constants.X_OK);
      return join(dir, "bwrap");
    } catch {
      // not here
    }
  }
  throw new Error("bwrap is not installed (test/setup.sh installs bubblewrap)");
}

/**
 * Runs `exe ARGS` inside bubblewrap with the repository (and its node_modules) hidden under an empty tmpfs and the
 * node executable replaced by /dev/null, with PATH set to an empty directory: a machine with no Node and no packages.
 */
export function withoutNode(exe: string, args: string[], cwd: string, opts: Options = {}) {
  const bwrap = ["--dev-bind", "/", "/", "--tmpfs", ROOT, "--ro-bind", "/dev/null", process.execPath, "--chdir", cwd, "--die-with-parent"];
  return execa(bwrapPath(), [...bwrap, "--", exe, ...args], {
    ...opts,
    cwd,
    env: { PATH: join(cwd, "empty-path"), HOME: cwd, NO_COLOR: "1" },
    extendEnv: false,
  });
}

/** Sends `signal` to the program bubblewrap started (bwrap itself does not forward signals). */
export function signalInside(bwrapPid: number, signal: NodeJS.Signals): void {
  const children = readFileSync(`/proc/${bwrapPid}/task/${bwrapPid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  for (const pid of children) process.kill(Number(pid), signal);
}
