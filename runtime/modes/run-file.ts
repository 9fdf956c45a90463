// `<output>.run.json`: the run id of a distributed run, kept next to its output so a killed `matrix run` resumes it.
import { existsSync, readFileSync, rmSync, writeFileSync, renameSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import * as v from "valibot";

export const RunFile = v.object({
  run: v.string(),
  namespace: v.string(),
  workflow: v.string(),
  /** `specFingerprint` of the run's spec: a run is resumed only with the same config. */
  fingerprint: v.string(),
  created_at: v.string(),
});
export type RunFile = v.InferOutput<typeof RunFile>;

export function runFilePath(output: string): string {
  return `${output}.run.json`;
}

/** The recorded run, or undefined when there is none (or it cannot be read: a new run starts). */
export function readRunFile(output: string): RunFile | undefined {
  const path = runFilePath(output);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = v.safeParse(RunFile, JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the file atomically (a kill never leaves half of it). */
export function writeRunFile(output: string, rf: RunFile): void {
  const path = runFilePath(output);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path + ".tmp", JSON.stringify(rf, null, 2) + "\n");
  renameSync(path + ".tmp", path);
}

export function removeRunFile(output: string): void {
  rmSync(runFilePath(output), { force: true });
}
