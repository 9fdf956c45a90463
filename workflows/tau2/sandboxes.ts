// The tool executor's sandbox pool and how the tool runner starts inside it (the runtime-specific part).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Bind, SandboxSpec } from "../../runtime/sandbox/types.ts";
import "../../apptainer/mod.ts";
import type { Tau2Params } from "./params.ts";

/** Name of the pool the tool executor uses (`ctx.sandbox("tools")`). */
export const TOOLS_POOL = "tools";

const RUNNER_TS = fileURLToPath(new URL("./runner.ts", import.meta.url));
const PROJECT_ROOT = resolve(dirname(RUNNER_TS), "../..");
const RUNNER_DIR = `${tmpdir()}/matrix-tau2-runner-${typeof process.getuid === "function" ? process.getuid() : "user"}`;

/** The pools the workflow needs: none in process, one `tools` pool when `tau2.tools.sandbox` names a backend. */
export function tau2Sandboxes(params: Tau2Params): Record<string, SandboxSpec> {
  const backend = params.tools.sandbox;
  if (backend === "none") return {};
  mkdirSync(RUNNER_DIR, { recursive: true });
  const binds: Bind[] = [
    { src: resolve(params.domain_dir), dst: resolve(params.domain_dir), ro: true },
    // The runner (bundled, or its TypeScript sources with the loader) and the runtime that runs it.
    { src: RUNNER_DIR, dst: RUNNER_DIR, ro: true },
    { src: PROJECT_ROOT, dst: PROJECT_ROOT, ro: true },
  ];
  const runtimeHome = dirname(dirname(process.execPath));
  if (!process.execPath.startsWith("/usr/")) binds.push({ src: runtimeHome, dst: runtimeHome, ro: true });
  const spec: SandboxSpec = {
    backend,
    max_live: params.tools.max_sandboxes,
    lease_ttl_ms: params.tools.lease_ttl_s * 1000,
    acquire_timeout_ms: 600_000,
    binds,
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp" },
    output_cap_bytes: 4 << 20,
  };
  if (params.tools.image !== "") spec.image = params.tools.image;
  if (params.tools.sandbox_service !== undefined) spec.service = params.tools.sandbox_service;
  return { [TOOLS_POOL]: spec };
}

let command: Promise<string[]> | undefined;

/**
 * The argv that runs the tool runner. Bun and Deno run the TypeScript file; Node runs a bundle built once per
 * process with esbuild (installed with tsx) — about 4x faster to start than the TypeScript loader, which is the
 * fallback when esbuild cannot be loaded.
 */
export function runnerCommand(_params: Tau2Params): Promise<string[]> {
  command ??= (async () => {
    const g = globalThis as { Bun?: unknown; Deno?: unknown };
    if (g.Bun !== undefined) return [process.execPath, RUNNER_TS];
    if (g.Deno !== undefined) return [process.execPath, "run", "--quiet", "--allow-read", RUNNER_TS];
    try {
      const esbuild = await import("esbuild");
      const built = await esbuild.build({ entryPoints: [RUNNER_TS], bundle: true, platform: "node", format: "esm", write: false, logLevel: "silent" });
      const code = built.outputFiles[0]!.contents;
      // Named by content: processes share one file, and a changed runner never runs stale code.
      const file = `${RUNNER_DIR}/runner-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`;
      if (!existsSync(file)) {
        mkdirSync(RUNNER_DIR, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, code);
        renameSync(tmp, file);
      }
      return [process.execPath, file];
    } catch {
      return [process.execPath, "--import", "tsx", RUNNER_TS];
    }
  })();
  return command;
}
