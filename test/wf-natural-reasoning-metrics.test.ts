// Tests of the NaturalReasoning run summary: yield, pass rate per stage, termination reasons, scores, tokens.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { naturalReasoning as wf } from "../workflows/natural-reasoning/index.ts";
import { NaturalReasoningParams } from "../workflows/natural-reasoning/params.ts";
import { runTask } from "./wf-fixtures.ts";

const params = v.parse(NaturalReasoningParams, {});
const scores = (overall: number) => JSON.stringify({ reasoning_depth: 3, clarity: 3, factuality: 3, difficulty: 3, overall });

/** The row of one task whose stages answer `filter`, `scorer`, `writer`. */
async function row(filter: string, scorer = scores(4), writer = "Question: Q?\nAnswer: A.") {
  const replies: Record<string, string> = { filter, scorer, writer };
  return (await runTask(wf, params, { text: "doc" }, (name) => replies[name] ?? null)).row;
}

describe("natural-reasoning - metrics", () => {
  it("natural-reasoning - the summary counts outcomes, pass rates per stage and reasons", async () => {
    const m = wf.metrics();
    const rows = [
      await row("yes", scores(5)),
      await row("yes", scores(4)),
      await row("yes", scores(3)),
      await row("no"),
      await row("no"),
      await row("yes", "not json"),
      await row("yes", scores(1)),
      await row("yes", scores(4), "no question here"),
      { status: "error", termination_reason: null, error: { code: "llm_failed" }, usage: { filter: { prompt_tokens: 20, completion_tokens: 5, calls: 1 } } },
    ];
    for (const r of rows) m.add(r);
    const s = m.summary();
    expect(s).toMatchObject({
      rows: 9,
      ok: 3,
      filtered: 5,
      errors: 1,
      yield: 0.3333,
      filter_pass_rate: 0.75, // 6 of the 8 non-error rows
      score_pass_rate: 0.6667, // 4 of 6: one unparseable, one low
      write_pass_rate: 0.75, // 3 of 4
      filter_rejected: 2,
      score_unparseable: 1,
      low_score: 1,
      question_unparseable: 1,
      mean_overall: round3((5 + 4 + 3 + 1 + 4) / 5),
    });
    // Canned usage is 20 prompt + 5 completion tokens per call: 2 filter-only rows, 2 rows of two calls,
    // 4 rows of three calls, and the error row's one call.
    const calls = 2 * 1 + 2 * 2 + 4 * 3 + 1;
    expect(s.prompt_tokens).toBe(20 * calls);
    expect(s.completion_tokens).toBe(5 * calls);
    expect(s.tokens).toBe(25 * calls);
    expect(s.tokens_per_ok).toBe(Math.round((25 * calls * 10) / 3) / 10);
  });

  it("natural-reasoning - an empty run summarises to zeros", () => {
    const s = wf.metrics().summary();
    expect(s).toMatchObject({ rows: 0, ok: 0, yield: 0, filter_pass_rate: 0, mean_overall: 0, tokens: 0, tokens_per_ok: 0 });
  });
});

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
