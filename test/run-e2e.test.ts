// End-to-end tests of `matrix run` as a real process on the embedded bus and embedded simulated LLM.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readJsonl, runMatrix, startMatrix, tempDir, until, writeJsonl } from "./helpers/cli.ts";

const FAST = ["sim.time_scale=200", "progress.mode=off"];

const disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});
function tmp(): string {
  const t = tempDir();
  disposers.push(t.dispose);
  return t.dir;
}

function messagesRows(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `q${i}`,
    request: { messages: [{ role: "system", content: "Be brief." }, { role: "user", content: `Say something about the number ${i}.` }] },
  }));
}

function countBy<T>(xs: T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

describe("matrix run", () => {
  it("run - coral over its sample data writes one row per task with agreement and correctness, and a metrics summary", async () => {
    const dir = tmp();
    const out = join(dir, "coral.jsonl");
    const res = await runMatrix(["run", "coral", `output.path=${out}`, "dataset.limit=60", ...FAST]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.task)).size).toBe(60);
    for (const r of rows) {
      expect(r.status).toBe("ok");
      expect(typeof r.agreement).toBe("boolean");
      expect(typeof r.correct).toBe("boolean");
      expect(r.turns).toBeGreaterThanOrEqual(1);
      expect(Array.isArray(r.dialogue)).toBe(true);
    }
    // Dialogues converge: most agree, and agreement needs at least two turns.
    const agreed = rows.filter((r) => r.agreement === true);
    expect(agreed.length).toBeGreaterThan(rows.length / 2);
    for (const r of agreed) expect(r.turns as number).toBeGreaterThanOrEqual(2);
    expect(res.stdout).toMatch(/agreement_rate=\d/);
    expect(res.stdout).toMatch(/agreement_correctness=\d/);
    expect(res.stdout).toMatch(/mean_turns=\d/);
  });

  it("run - inference over 50 messages-format rows writes 50 rows", async () => {
    const dir = tmp();
    const data = join(dir, "rows.jsonl");
    const out = join(dir, "out.jsonl");
    writeJsonl(data, messagesRows(50));
    const res = await runMatrix(["run", "inference", `dataset.path=${data}`, `output.path=${out}`, ...FAST]);
    expect(res.code).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(messagesRows(50).map((r) => r.id)));
    for (const r of rows) {
      expect(r.status).toBe("ok");
      expect(typeof r.response).toBe("string");
      expect((r.response as string).length).toBeGreaterThan(0);
      expect(["stop", "length"]).toContain(r.finish_reason);
      expect((r.usage as { completion_tokens: number }).completion_tokens).toBeGreaterThan(0);
    }
  });

  it("run - the same seed and dataset give the same rows; another seed gives other content", async () => {
    const dir = tmp();
    const data = join(dir, "rows.jsonl");
    writeJsonl(data, messagesRows(12));
    const content = async (seed: number, name: string) => {
      const out = join(dir, name);
      const res = await runMatrix(["run", "inference", `dataset.path=${data}`, `output.path=${out}`, `seed=${seed}`, ...FAST]);
      expect(res.code).toBe(0);
      return Object.fromEntries(readJsonl(out).map((r) => [r.id as string, [r.response, r.usage]]));
    };
    const a = await content(1, "a.jsonl");
    const b = await content(1, "b.jsonl");
    const c = await content(2, "c.jsonl");
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("run - natural-reasoning writes rows whose early exits carry termination_reason", async () => {
    const dir = tmp();
    const out = join(dir, "nr.jsonl");
    const res = await runMatrix(["run", "natural-reasoning", `output.path=${out}`, ...FAST]);
    expect(res.code).toBe(0);
    const rows = readJsonl(out);
    expect(rows.length).toBeGreaterThanOrEqual(100);
    const byStatus = countBy(rows, (r) => r.status as string);
    expect(byStatus.ok).toBeGreaterThan(0);
    expect(byStatus.filtered).toBeGreaterThan(0);
    for (const r of rows) {
      if (r.status === "filtered") expect(r.termination_reason).toMatch(/^[a-z_]+$/);
      if (r.status === "ok") {
        expect(r.termination_reason).toBeNull();
        expect(typeof r.question).toBe("string");
        expect(typeof r.answer).toBe("string");
      }
    }
    expect(countBy(rows.filter((r) => r.status === "filtered"), (r) => r.termination_reason as string).filter_rejected).toBeGreaterThan(0);
  });

  it("run - a malformed JSONL line becomes an error row naming the file and line; the rest complete; exit 0", async () => {
    const dir = tmp();
    const data = join(dir, "mixed.jsonl");
    const out = join(dir, "out.jsonl");
    const good = messagesRows(9);
    writeJsonl(data, [...good.slice(0, 4), '{"id": "broken", "request": {', ...good.slice(4), '["not", "an", "object"]']);
    const res = await runMatrix(["run", "inference", `dataset.path=${data}`, `output.path=${out}`, ...FAST]);
    expect(res.code).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(11);
    const errors = rows.filter((r) => r.status === "error");
    expect(errors).toHaveLength(2);
    const messages = errors.map((r) => (r.error as { message: string; code: string }).message);
    expect(messages.some((m) => /^mixed\.jsonl:5: invalid JSON/.test(m)), messages.join("; ")).toBe(true);
    expect(messages.some((m) => /^mixed\.jsonl:11: a row must be a JSON object/.test(m)), messages.join("; ")).toBe(true);
    for (const e of errors) expect((e.error as { code: string }).code).toBe("bad_input");
    expect(rows.filter((r) => r.status === "ok")).toHaveLength(9);
  });

  it("run - kill -9 half way, then the same command again: every task exactly once", async () => {
    const dir = tmp();
    const data = join(dir, "rows.jsonl");
    const out = join(dir, "out.jsonl");
    writeJsonl(data, messagesRows(400));
    // Real-time simulated LLM with few slots, so the run takes long enough to be killed in the middle.
    const args = [
      "run", "inference", `dataset.path=${data}`, `output.path=${out}`, "progress.mode=off",
      "sim.time_scale=4", "sim.max_num_seqs=16", "max_concurrent_tasks=32",
    ];
    const first = startMatrix(args);
    await until(() => readJsonl(out).length >= 120, 60_000, "first rows written");
    first.child.kill("SIGKILL");
    const killed = await first.result;
    expect(killed.signal).toBe("SIGKILL");
    const partial = readJsonl(out).length;
    expect(partial).toBeLessThan(400);

    const second = await runMatrix(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already in the output/);
    const rows = readJsonl(out);
    const tasks = rows.map((r) => r.task as string);
    expect(new Set(tasks).size).toBe(400);
    expect(tasks).toHaveLength(400);
    expect(rows.every((r) => r.status === "ok")).toBe(true);
  });

  it("run - output.success_only keeps only ok rows", async () => {
    const dir = tmp();
    const data = join(dir, "rows.jsonl");
    const out = join(dir, "out.jsonl");
    writeJsonl(data, [...messagesRows(5), "not json"]);
    const res = await runMatrix(["run", "inference", `dataset.path=${data}`, `output.path=${out}`, "output.success_only=true", ...FAST]);
    expect(res.code).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.status === "ok")).toBe(true);
  });

  it("run - trials expand each row into tasks with their own seeds", async () => {
    const dir = tmp();
    const data = join(dir, "rows.jsonl");
    const out = join(dir, "out.jsonl");
    writeJsonl(data, messagesRows(4));
    const res = await runMatrix(["run", "inference", `dataset.path=${data}`, `output.path=${out}`, "trials=3", ...FAST]);
    expect(res.code).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.seed)).size).toBe(12);
    expect(countBy(rows, (r) => String(r.trial))).toEqual({ "0": 4, "1": 4, "2": 4 });
  });
});

describe("matrix run - bad usage", () => {
  it("run - an unknown workflow exits 2 with one line", async () => {
    const res = await runMatrix(["run", "no-such-workflow"]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/unknown workflow "no-such-workflow"/);
  });

  it("run - an unknown config key exits 2 naming the key path", async () => {
    const res = await runMatrix(["run", "coral", "dataset.nope=1"]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/dataset\.nope/);
  });

  it("run - a wrong type exits 2 naming the key path and what was expected", async () => {
    const res = await runMatrix(["run", "coral", "max_concurrent_tasks=lots"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/max_concurrent_tasks/);
    expect(res.stderr).toMatch(/expected number/);
    const nested = await runMatrix(["run", "coral", "llm.agent_a.sampling.temperature=hot"]);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toMatch(/llm\.agent_a\.sampling\.temperature/);
  });

  it("run - a missing dataset file exits 2 naming the file", async () => {
    const res = await runMatrix(["run", "inference", "dataset.path=/nonexistent/rows.jsonl", ...FAST]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/\/nonexistent\/rows\.jsonl/);
  });

  it("run - --print-config prints the compiled config with overrides applied", async () => {
    const res = await runMatrix(["run", "coral", "--print-config", "coral.max_turns=7", "llm.agent_a.sampling.temperature=0.2"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/max_turns: 7/);
    expect(res.stdout).toMatch(/temperature: 0.2/);
    expect(res.stdout).toMatch(/max_concurrent_tasks: \d+/);
  });

  it("run - --help prints usage and exits 0", async () => {
    const res = await runMatrix(["run", "--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/usage: matrix run/);
    expect(res.stdout).toMatch(/coral/);
  });
});
