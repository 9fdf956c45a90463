// Puts the test-only `apptainer` (fake-apptainer.ts, run by Node with the TypeScript loader) on a PATH of its own.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "../..");

/** A fake Apptainer installation: PATH and env to pass on, its state dir, and the argv of every call so far. */
export type FakeApptainer = { bin: string; state: string; env: Record<string, string>; calls(): string[][] };

/** Installs the fake under `dir` (bin/apptainer and a state folder). */
export function installFakeApptainer(dir: string): FakeApptainer {
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  mkdirSync(bin, { recursive: true });
  mkdirSync(state, { recursive: true });
  const loader = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
  writeFileSync(join(bin, "apptainer"), `#!/bin/sh\nexec "${process.execPath}" --import "${loader}" "${join(ROOT, "test/helpers/fake-apptainer.ts")}" "$@"\n`);
  chmodSync(join(bin, "apptainer"), 0o755);
  writeFileSync(join(state, "calls.jsonl"), "");
  return {
    bin,
    state,
    env: { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, APPTAINER_FAKE_STATE: state },
    calls: () =>
      readFileSync(join(state, "calls.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as string[]),
  };
}
