// Confines a job's dataset path to the allowed roots: resolved with realpath, so `..` and symlinks cannot escape.
import { realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { HttpError } from "./http-error.ts";

/** The allowed roots as real paths (a root that does not exist is an error at start). */
export function compileAllowedRoots(roots: string[], cwd: string): string[] {
  return roots.map((r) => {
    try {
      return realpathSync(resolve(cwd, r));
    } catch {
      throw new Error(`--allowed-root ${r}: no such directory`);
    }
  });
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * The real path of `requested` (absolute, or relative to the first root) when it is a file under an allowed
 * root; HttpError 403 otherwise (outside, through `..` or a symlink), 400 when it is not a readable file.
 */
export function confineDataset(requested: string, roots: string[]): string {
  if (roots.length === 0) throw new HttpError(403, "dataset_forbidden", "this gateway accepts no dataset paths (no --allowed-root): send tasks inline");
  if (requested.includes("\0")) throw new HttpError(400, "invalid_request", "dataset: not a path");
  const asked = resolve(roots[0]!, requested);
  // The lexical check refuses `..` escapes even for files that do not exist.
  if (!roots.some((r) => inside(r, asked))) throw new HttpError(403, "dataset_forbidden", "dataset: the path is outside the allowed roots");
  let real: string;
  try {
    real = realpathSync(asked);
  } catch {
    throw new HttpError(400, "dataset_not_found", "dataset: no such file under the allowed roots");
  }
  if (!roots.some((r) => inside(r, real))) throw new HttpError(403, "dataset_forbidden", "dataset: the path leads outside the allowed roots");
  if (!statSync(real).isFile()) throw new HttpError(400, "dataset_not_found", "dataset: not a file");
  return real;
}
