// Tests of the NaturalReasoning workflow's roles, routing and output mapping, with canned LLM replies.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { MatrixError } from "../runtime/errors.ts";
import { SINK } from "../runtime/message/envelope.ts";
import { buildRow } from "../runtime/sink.ts";
import { naturalReasoning as wf } from "../workflows/natural-reasoning/index.ts";
import { NaturalReasoningParams } from "../workflows/natural-reasoning/params.ts";
import { FILTER_SYSTEM, SCORER_SYSTEM, WRITER_SYSTEM } from "../workflows/natural-reasoning/prompts.ts";
import { nextRole } from "../workflows/natural-reasoning/state.ts";
import { lastUser, runTask, systemOf, type Responder } from "./wf-fixtures.ts";

const params = (over: Record<string, unknown> = {}) => v.parse(NaturalReasoningParams, over);
const doc = { id: "nr-1", url: "https://example.org/why", text: "Ice floats because it is less dense than water. Therefore lakes freeze from the top." };
const SCORES = '{"reasoning_depth": 4, "clarity": 5, "factuality": 4, "difficulty": 3, "overall": 4}';
const QA = "Question: Why do lakes freeze from the top down?\nAnswer: Ice is less dense than liquid water, so it floats.";

/** Replies per stage; a stage missing from `over` answers as a passing document would. */
function stages(over: Partial<Record<"filter" | "scorer" | "writer", string | null>> = {}): Responder {
  const base = { filter: "yes", scorer: SCORES, writer: QA };
  return (name) => ({ ...base, ...over })[name as keyof typeof base] ?? null;
}

describe("natural-reasoning - routing and output", () => {
  it("natural-reasoning - a document passing every stage becomes an ok row with scores, question and answer", async () => {
    const { roles, row } = await runTask(wf, params(), doc, stages());
    expect(roles).toEqual(["filter", "scorer", "writer"]);
    expect(row).toMatchObject({
      status: "ok",
      termination_reason: null,
      id: "nr-1",
      url: "https://example.org/why",
      verdict: "yes",
      scores: { reasoning_depth: 4, clarity: 5, factuality: 4, difficulty: 3, overall: 4 },
      question: "Why do lakes freeze from the top down?",
      answer: "Ice is less dense than liquid water, so it floats.",
      stage: "writer",
      error: null,
    });
    expect(Object.keys(row.usage as object).sort()).toEqual(["filter", "scorer", "writer"]);
  });

  it("natural-reasoning - a filter verdict of no ends the task as filtered with filter_rejected", async () => {
    const { roles, row } = await runTask(wf, params(), doc, stages({ filter: "No." }));
    expect(roles).toEqual(["filter"]);
    expect(row).toMatchObject({ status: "filtered", termination_reason: "filter_rejected", verdict: "no", scores: null, question: null, answer: null, stage: "filter" });
  });

  it("natural-reasoning - an empty filter reply counts as no", async () => {
    const { row } = await runTask(wf, params(), doc, stages({ filter: null }));
    expect(row).toMatchObject({ status: "filtered", termination_reason: "filter_rejected", verdict: "no" });
  });

  it("natural-reasoning - a scorer reply without valid scores ends with score_unparseable", async () => {
    for (const bad of ["The document is quite good.", '{"overall": 9}', '{"clarity": 4', "[4, 4, 4]"]) {
      const { roles, row } = await runTask(wf, params(), doc, stages({ scorer: bad }));
      expect(roles).toEqual(["filter", "scorer"]);
      expect(row).toMatchObject({ status: "filtered", termination_reason: "score_unparseable", verdict: "yes", scores: null, stage: "scorer" });
    }
  });

  it("natural-reasoning - an overall score below min_score ends with low_score; equal to it passes", async () => {
    const scorer = '{"reasoning_depth": 2, "clarity": 3, "factuality": 3, "difficulty": 2, "overall": 3}';
    const low = await runTask(wf, params({ min_score: 4 }), doc, stages({ scorer }));
    expect(low.roles).toEqual(["filter", "scorer"]);
    expect(low.row).toMatchObject({ status: "filtered", termination_reason: "low_score", scores: { overall: 3 }, question: null });
    const pass = await runTask(wf, params({ min_score: 3 }), doc, stages({ scorer }));
    expect(pass.row).toMatchObject({ status: "ok", scores: { overall: 3 } });
  });

  it("natural-reasoning - a writer reply that is not Question/Answer ends with question_unparseable", async () => {
    const { roles, row } = await runTask(wf, params(), doc, stages({ writer: "Here is a hard question about ice." }));
    expect(roles).toEqual(["filter", "scorer", "writer"]);
    expect(row).toMatchObject({ status: "filtered", termination_reason: "question_unparseable", question: null, answer: null, stage: "writer" });
    expect((row.scores as { overall: number }).overall).toBe(4);
  });

  it("natural-reasoning - a row without url leaves the field out and a row without id has id null", async () => {
    const { row } = await runTask(wf, params(), { text: doc.text }, stages());
    expect(row.id).toBeNull();
    expect("url" in row).toBe(false);
  });

  it("natural-reasoning - route follows the stage order and goes to the sink on the first rejection", () => {
    expect(nextRole({ stage: null, reason: null })).toBe("filter");
    expect(nextRole({ stage: "filter", reason: null })).toBe("scorer");
    expect(nextRole({ stage: "scorer", reason: null })).toBe("writer");
    expect(nextRole({ stage: "writer", reason: null })).toBe(SINK);
    expect(nextRole({ stage: "filter", reason: "filter_rejected" })).toBe(SINK);
    expect(nextRole({ stage: "scorer", reason: "low_score" })).toBe(SINK);
  });

  it("natural-reasoning - a task at the sink with no reason before the writer is an output_mapping error row", async () => {
    const { msg } = await runTask(wf, params(), doc, stages());
    msg.state = { stage: "scorer", reason: null };
    const row = buildRow(msg, wf, params(), false);
    expect(row).toMatchObject({ status: "error", error: { code: "output_mapping", role: "_sink" } });
    expect((row.error as { message: string }).message).toMatch(/without a termination reason/);
  });
});

describe("natural-reasoning - calls", () => {
  it("natural-reasoning - each stage sends its system prompt and the document; json mode sets response_format", async () => {
    const { calls } = await runTask(wf, params(), doc, stages());
    expect(calls.map((c) => c.name)).toEqual(["filter", "scorer", "writer"]);
    expect(calls.map((c) => systemOf(c.call))).toEqual([FILTER_SYSTEM, SCORER_SYSTEM, WRITER_SYSTEM]);
    for (const c of calls) expect(lastUser(c.call)).toContain(`<document>\n${doc.text}\n</document>`);
    expect(calls[1]!.call.response_format).toEqual({ type: "json_object" });
    expect(calls[0]!.call.response_format).toBeUndefined();
    const plain = await runTask(wf, params({ json_mode: false }), doc, stages());
    expect(plain.calls[1]!.call.response_format).toBeUndefined();
  });

  it("natural-reasoning - prompts cut long documents at max_document_chars", async () => {
    const long = { text: "x".repeat(500) };
    const { calls } = await runTask(wf, params({ max_document_chars: 100 }), long, stages({ filter: "no" }));
    expect(lastUser(calls[0]!.call)).toContain(`<document>\n${"x".repeat(100)}\n[...]\n</document>`);
  });

  it("natural-reasoning - the text key is configurable", async () => {
    const { calls, row } = await runTask(wf, params({ text_key: "body" }), { id: 3, body: "Some page" }, stages({ filter: "no" }));
    expect(lastUser(calls[0]!.call)).toContain("Some page");
    expect(row.id).toBe(3);
  });
});

describe("natural-reasoning - bad input", () => {
  const bad = (input: unknown, p = params()) => {
    try {
      wf.init(input, p);
    } catch (err) {
      return err as MatrixError;
    }
    throw new Error("init accepted a bad row");
  };

  it("natural-reasoning - rows without a non-empty text are rejected by init with bad_input", () => {
    for (const input of [{ id: 1 }, { text: "" }, { text: "   " }, { text: 42 }, "just a string", null, [1, 2]]) {
      const err = bad(input);
      expect(err).toBeInstanceOf(MatrixError);
      expect(err.code).toBe("bad_input");
      expect(err.retryable).toBe(false);
    }
    expect(bad({ text: "x" }, params({ text_key: "body" })).message).toContain('"body"');
  });

  it("natural-reasoning - an id or url of the wrong type is bad input; a null url is fine", () => {
    expect(bad({ id: { n: 1 }, text: "x" }).code).toBe("bad_input");
    expect(bad({ url: 5, text: "x" }).code).toBe("bad_input");
    expect(wf.init({ url: null, text: "x" }, params())).toEqual({ stage: null, reason: null });
  });
});
