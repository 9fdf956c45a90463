// The same sources run under Deno and Bun: `matrix run inference` on a few rows under each, real processes.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { matrixArgv, readJsonl, runMatrix, tempDir, writeJsonl, type Runtime } from "./helpers/cli.ts";

const tmp = tempDir();
afterAll(() => tmp.dispose());

const rows = Array.from({ length: 6 }, (_, i) => ({
  id: `r${i}`,
  request: { messages: [{ role: "user", content: `Tell me about ${i}.` }] },
}));
const data = join(tmp.dir, "rows.jsonl");
writeJsonl(data, rows);

async function runUnder(runtime: Runtime, name: string) {
  const out = join(tmp.dir, `${name}.jsonl`);
  const res = await runMatrix(["run", "inference", `dataset.path=${data}`, `output.path=${out}`, "sim.time_scale=200", "seed=5", "progress.mode=off"], { runtime });
  return { res, rows: readJsonl(out) };
}

describe("runtimes", () => {
  for (const runtime of ["deno", "bun"] as const) {
    it(`runtimes - matrix run inference completes under ${runtime} with the same rows as under Node`, async () => {
      const bin = matrixArgv(runtime)[0]!;
      expect(existsSync(bin), `${bin} is missing: run npm ci (deno and bun install from npm)`).toBe(true);
      const node = await runUnder("node", `node-${runtime}`);
      const other = await runUnder(runtime, runtime);
      expect(other.res.stderr).not.toMatch(/error/i);
      expect(other.res.code).toBe(0);
      expect(other.res.stdout).toMatch(/inference: 6 tasks/);
      expect(other.rows).toHaveLength(6);
      const content = (rs: Record<string, unknown>[]) => Object.fromEntries(rs.map((r) => [r.id as string, [r.status, r.response, r.usage]]));
      expect(content(other.rows)).toEqual(content(node.rows));
    });
  }
});
