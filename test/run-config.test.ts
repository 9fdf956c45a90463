// `matrix run` with a YAML config file, layered overrides, and the non-TTY progress lines.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { BIN_JS, readJsonl, runMatrix, tempDir, writeJsonl } from "./helpers/cli.ts";

const tmp = tempDir();
afterAll(() => tmp.dispose());

describe("matrix run - config files", () => {
  it("config - a YAML file names the workflow; its relative paths are relative to the file; overrides win", async () => {
    const dir = join(tmp.dir, "job");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "data"), { recursive: true });
    writeJsonl(join(dir, "data/rows.jsonl"), Array.from({ length: 7 }, (_, i) => ({ id: i, prompt: `question ${i}` })));
    writeFileSync(
      join(dir, "job.yaml"),
      [
        "workflow: inference",
        "dataset: { path: data/rows.jsonl }",
        "output: { path: out/answers.jsonl }",
        "trials: 2",
        "inference: { text_key: prompt, system_prompt: Answer briefly. }",
        "llm:",
        "  default: { sampling: { max_tokens: 5 } }",
        "sim: { time_scale: 200 }",
        "progress: { mode: off }",
      ].join("\n"),
    );
    const res = await runMatrix(["run", join(dir, "job.yaml"), "trials=1"], { cwd: tmp.dir });
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const rows = readJsonl(join(dir, "out/answers.jsonl"));
    expect(rows).toHaveLength(7);
    for (const r of rows) {
      expect(r.status).toBe("ok");
      expect((r.usage as { completion_tokens: number }).completion_tokens).toBeLessThanOrEqual(5);
      expect(r.finish_reason).toBe("length");
    }
  });

  it("config - invalid YAML exits 2 naming the file and line", async () => {
    const file = join(tmp.dir, "bad.yaml");
    writeFileSync(file, "workflow: inference\ndataset: { path: [unclosed\n");
    const res = await runMatrix(["run", file]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toContain("bad.yaml:");
  });

  it("config - a key in a YAML file with the wrong type exits 2 naming its path", async () => {
    const file = join(tmp.dir, "wrong.yaml");
    writeFileSync(file, "workflow: coral\ncoral: { max_turns: many }\n");
    const res = await runMatrix(["run", file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/coral\.max_turns/);
  });

  it("progress - without a TTY a run prints summary lines with done/total, rates, errors and ETA", async () => {
    const out = join(tmp.dir, "progress.jsonl");
    const res = await runMatrix(["run", "coral", `output.path=${out}`, "dataset.limit=40", "sim.time_scale=20", "progress.interval_s=0.2"]);
    expect(res.code).toBe(0);
    const lines = res.stderr.split("\n").filter((l) => /tasks \(/.test(l));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatch(/40\/40 tasks \(100\.0%\) [\d.k]+ tasks\/s [\d.k]+ tok\/s in_flight 0 ok 40 filtered 0 errors 0 ETA/);
  });

  it("progress - on a TTY a run draws a bar with done/total, tasks/s, tok/s, errors and ETA", () => {
    // `script` gives the child a pseudo-terminal, so stderr is a real TTY.
    const out = join(tmp.dir, "tty.jsonl");
    const cmd = [process.execPath, BIN_JS, "run", "coral", "dataset.limit=30", `output.path=${out}`, "sim.time_scale=20"].join(" ");
    const res = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", timeout: 60_000 });
    expect(res.error, "the `script` program (bsdutils) is needed for this test").toBeUndefined();
    expect(res.status).toBe(0);
    const frames = res.stdout.split(/\r|\x1b\[1G/).filter((f) => f.includes("tok/s |"));
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.at(-1)).toMatch(/30\/30 \| [\d.k]+ tasks\/s \| [\d.k]+ tok\/s \| in flight 0 \| errors 0 \| ETA/);
    expect(readJsonl(out)).toHaveLength(30);
  });
});
