// Where a workflow's built-in sample dataset is: next to its sources, or, in the single binary, copied out of it once.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir, userInfo } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Key of the table the single binary's entry sets on `globalThis` before any workflow loads (bin/build-binary.ts
 * generates that entry): sample name (`coral`) → path of the file Bun embedded (`/$bunfs/root/sample-<hash>.jsonl`).
 */
export const EMBEDDED_SAMPLES = Symbol.for("matrix.embeddedSamples");

type EmbeddedTable = Record<string, string | undefined>;

/** The directory samples are copied to: `$XDG_CACHE_HOME/matrix/samples` (or `~/.cache/...`), else a private temp dir. */
function cacheDirs(): string[] {
  const xdg = process.env.XDG_CACHE_HOME;
  const home = xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache");
  return [join(home, "matrix", "samples"), join(tmpdir(), `matrix-samples-${userInfo().uid}`)];
}

/** A directory only this user can write to (a shared /tmp could hold one planted by someone else). */
function ownDir(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  return st.isDirectory() && st.uid === userInfo().uid && (st.mode & 0o022) === 0;
}

/**
 * Bun's embedded files can be read whole but not streamed, and the dataset reader streams: copy the sample to a
 * cache file named after the embedded one (whose name carries a content hash), once per node and build.
 */
function copyOut(name: string, embedded: string): string {
  for (const dir of cacheDirs()) {
    try {
      const file = join(dir, `${name}-${basename(embedded)}`);
      if (existsSync(file)) return file;
      if (!ownDir(dir)) continue;
      // Write, then rename: a concurrent process never reads half a file.
      const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
      writeFileSync(tmp, readFileSync(embedded), { mode: 0o600 });
      renameSync(tmp, file);
      return file;
    } catch {
      // Not writable here: try the next place.
    }
  }
  // Nowhere to copy it: the run fails opening this path, and the error names it (pass dataset.path=... instead).
  return embedded;
}

/**
 * The path of a built-in sample: `url` (next to the workflow's sources) when running from sources under Node, Deno
 * or Bun; in the single binary, a copy of the embedded file. Call it lazily (a getter on the default config), so a
 * binary copies a sample out only when a run uses it.
 *
 * @example dataset: { get path() { return samplePath("coral", new URL("./sample.jsonl", import.meta.url)); } }
 */
export function samplePath(name: string, url: URL): string {
  const embedded = (globalThis as { [EMBEDDED_SAMPLES]?: EmbeddedTable })[EMBEDDED_SAMPLES]?.[name];
  return embedded === undefined ? fileURLToPath(url) : copyOut(name, embedded);
}
