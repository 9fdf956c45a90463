// Builds the single `dist/matrix` binary with `bun build --compile` and ships cbor-x's native addon beside it.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { execa } from "execa";

const ROOT = resolve(import.meta.dirname, "..");
const out = resolve(process.argv[2] ?? join(ROOT, "dist/matrix"));
const outDir = resolve(out, "..");

async function gitCommit(): Promise<string> {
  const r = await execa("git", ["rev-parse", "--short=12", "HEAD"], { cwd: ROOT, reject: false });
  if (r.exitCode !== 0) return "unknown";
  const dirty = await execa("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT, reject: false });
  return dirty.stdout.trim() === "" ? r.stdout.trim() : `${r.stdout.trim()}-dirty`;
}

const commit = await gitCommit();
const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
mkdirSync(outDir, { recursive: true });
// `--compile` embeds Bun's own runtime (the running bun executable), so the build needs no download.
await execa(
  join(ROOT, "node_modules/.bin/bun"),
  [
    "build",
    "--compile",
    "--minify-syntax",
    "--define",
    `MATRIX_BUILD_COMMIT=${JSON.stringify(commit)}`,
    "--define",
    `MATRIX_BUILD_DATE=${JSON.stringify(date)}`,
    join(ROOT, "bin/matrix.ts"),
    "--outfile",
    out,
  ],
  { cwd: ROOT, stdio: "inherit" },
);

// cbor-x's string extractor is a N-API addon that cannot be embedded. node-gyp-build looks for
// `prebuilds/<platform>-<arch>/` next to the executable; without it cbor-x falls back to pure JS (correct, slower decode).
const addonDir = join(ROOT, `node_modules/@cbor-extract/cbor-extract-${process.platform}-${process.arch}`);
if (existsSync(addonDir)) {
  const dest = join(outDir, "prebuilds", `${process.platform}-${process.arch}`);
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(addonDir).filter((f) => f.includes(".napi.") && f.endsWith(".node"))) copyFileSync(join(addonDir, f), join(dest, f));
} else {
  process.stderr.write(`build-binary: no cbor-extract addon for ${process.platform}-${process.arch}; the binary decodes CBOR in pure JS\n`);
}
const mb = (statSync(out).size / 1024 / 1024).toFixed(1);
process.stdout.write(`built ${out} (${mb} MiB, commit ${commit}, ${date})\n`);
