// Tests of the Coral workflow: turn routing with the regex and LLM extractors, agreement, correctness, turn limit.
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { MatrixError } from "../runtime/errors.ts";
import { coral as wf } from "../workflows/coral/index.ts";
import { CoralParams } from "../workflows/coral/params.ts";
import { AGENT_SYSTEM, EXTRACTOR_SYSTEM } from "../workflows/coral/prompts.ts";
import { lastUser, runTask, systemOf, type Responder } from "./wf-fixtures.ts";

const params = (over: Record<string, unknown> = {}) => v.parse(CoralParams, over);
const item = { id: "q1", question: "What is 17 * 23?", options: ["381", "391", "401", "371"], answer: "B", category: "math" };

/** Each agent commits to the next letter of its script (the last one repeats). */
function agents(a: string[], b: string[], extractor?: (call: Parameters<Responder>[1]) => string): Responder {
  return (name, call, n) => {
    if (name === "extractor") return extractor ? extractor(call) : "NONE";
    const script = name === "agent_a" ? a : b;
    const letter = script[Math.min(n, script.length - 1)]!;
    return `Let me work through it. 17 * 23 = 391. Therefore, the answer is (${letter}).`;
  };
}

describe("coral - routing with the regex extractor", () => {
  it("coral - agents that agree at once end after two turns with a correct agreed answer", async () => {
    const { roles, row } = await runTask(wf, params(), item, agents(["B"], ["B"]));
    expect(roles).toEqual(["agent_a", "agent_b"]);
    expect(row).toMatchObject({
      status: "ok",
      termination_reason: null,
      id: "q1",
      gold: "B",
      answers: { agent_a: "B", agent_b: "B" },
      agreement: true,
      agreed_answer: "B",
      correct: true,
      turns: 2,
    });
    expect(row.dialogue).toEqual([
      { speaker: "agent_a", content: expect.stringContaining("(B)"), answer: "B" },
      { speaker: "agent_b", content: expect.stringContaining("(B)"), answer: "B" },
    ]);
    expect(row.tokens).toEqual({ prompt: 40, completion: 10 });
  });

  it("coral - a dialogue continues until the answers match and may agree on a wrong answer", async () => {
    const { roles, row } = await runTask(wf, params(), item, agents(["A", "C"], ["C"]));
    expect(roles).toEqual(["agent_a", "agent_b", "agent_a"]);
    expect(row).toMatchObject({ agreement: true, agreed_answer: "C", correct: false, turns: 3, answers: { agent_a: "C", agent_b: "C" } });
  });

  it("coral - a dialogue without agreement stops at max_turns", async () => {
    const { roles, row } = await runTask(wf, params({ max_turns: 5 }), item, agents(["A"], ["B"]));
    expect(roles).toEqual(["agent_a", "agent_b", "agent_a", "agent_b", "agent_a"]);
    expect(row).toMatchObject({ status: "ok", agreement: false, agreed_answer: null, correct: false, turns: 5 });
  });

  it("coral - a turn that commits to no option records a null answer and the dialogue goes on", async () => {
    let n = 0;
    const respond: Responder = (name) => (name === "agent_a" && n++ === 0 ? "I am not sure yet." : "So the answer is (D).");
    const { roles, row } = await runTask(wf, params(), item, respond);
    expect(roles).toEqual(["agent_a", "agent_b", "agent_a"]);
    expect((row.dialogue as { answer: string | null }[]).map((t) => t.answer)).toEqual([null, "D", "D"]);
  });

  it("coral - each agent sees the question, its own turns as assistant and its partner's as user", async () => {
    const { calls } = await runTask(wf, params({ max_turns: 3 }), item, agents(["A"], ["B"]));
    expect(calls.map((c) => systemOf(c.call))).toEqual([AGENT_SYSTEM, AGENT_SYSTEM, AGENT_SYSTEM]);
    expect(lastUser(calls[0]!.call)).toContain("Question: What is 17 * 23?");
    expect(lastUser(calls[0]!.call)).toContain("(B) 391");
    const second = calls[1]!.call.messages.map((m) => m.role);
    expect(second).toEqual(["system", "user"]);
    expect(lastUser(calls[1]!.call)).toContain("Your partner answered first:");
    expect(calls[2]!.call.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
  });
});

describe("coral - routing with the llm extractor", () => {
  it("coral - an extractor hop follows every agent turn and its reply sets the speaker's answer", async () => {
    const { roles, row, calls } = await runTask(wf, params({ extractor: "llm" }), item, agents(["A"], ["A"], () => "(B)"));
    expect(roles).toEqual(["agent_a", "extractor", "agent_b", "extractor"]);
    expect(row).toMatchObject({ agreement: true, agreed_answer: "B", correct: true, turns: 2 });
    expect((row.dialogue as { answer: string | null }[]).map((t) => t.answer)).toEqual(["B", "B"]);
    const ex = calls.filter((c) => c.name === "extractor");
    expect(systemOf(ex[0]!.call)).toBe(EXTRACTOR_SYSTEM);
    expect(lastUser(ex[0]!.call)).toContain("Options are lettered A-D");
    expect(lastUser(ex[0]!.call)).toContain("the answer is (A)");
  });

  it("coral - an extractor reply of NONE or a letter beyond the options leaves the answer null", async () => {
    const replies = ["NONE", "(F)", "C", "C"];
    let i = 0;
    const { roles, row } = await runTask(wf, params({ extractor: "llm" }), item, agents(["A"], ["A"], () => replies[i++] ?? "C"));
    expect(roles).toEqual(["agent_a", "extractor", "agent_b", "extractor", "agent_a", "extractor", "agent_b", "extractor"]);
    expect((row.dialogue as { answer: string | null }[]).map((t) => t.answer)).toEqual([null, null, "C", "C"]);
    expect(row).toMatchObject({ agreement: true, agreed_answer: "C", correct: false, turns: 4 });
  });

  it("coral - the turn limit counts agent turns, not extractor hops", async () => {
    const { roles, row } = await runTask(wf, params({ extractor: "llm", max_turns: 3 }), item, agents(["A"], ["B"], (call) => /answer is \(([A-J])\)/.exec(lastUser(call))![1]!));
    expect(roles.filter((r) => r !== "extractor")).toHaveLength(3);
    expect(roles.at(-1)).toBe("extractor");
    expect(row).toMatchObject({ agreement: false, turns: 3 });
  });
});

describe("coral - rows", () => {
  const reject = (input: unknown) => {
    try {
      wf.init(input, params());
    } catch (err) {
      return err as MatrixError;
    }
    throw new Error("init accepted a bad row");
  };

  it("coral - rows with a bad question, options or gold letter are bad input", () => {
    for (const input of [
      { ...item, answer: "E" },
      { ...item, answer: undefined },
      { ...item, options: ["only one"] },
      { ...item, options: Array.from({ length: 11 }, (_, i) => String(i)) },
      { ...item, question: "  " },
      "not a row",
    ]) {
      const err = reject(input);
      expect(err.code).toBe("bad_input");
    }
  });

  it("coral - an MMLU-Pro answer_index or a parenthesised gold letter is accepted", async () => {
    const { answer: _answer, ...noLetter } = item;
    const { row } = await runTask(wf, params(), { ...noLetter, answer_index: 1 }, agents(["B"], ["B"]));
    expect(row).toMatchObject({ gold: "B", correct: true });
    const paren = await runTask(wf, params(), { ...item, answer: "(b)" }, agents(["B"], ["B"]));
    expect(paren.row).toMatchObject({ gold: "B", correct: true });
  });
});

describe("coral - metrics", () => {
  it("coral - the summary reports agreement rate, agreement correctness, accuracy, mean turns and tokens", async () => {
    const m = wf.metrics();
    m.add((await runTask(wf, params(), item, agents(["B"], ["B"]))).row); // agree, correct, 2 turns
    m.add((await runTask(wf, params(), item, agents(["C"], ["C"]))).row); // agree, wrong, 2 turns
    m.add((await runTask(wf, params({ max_turns: 4 }), item, agents(["A"], ["B"]))).row); // no agreement, 4 turns
    m.add({ status: "error", error: { code: "bad_input" } });
    expect(m.summary()).toMatchObject({
      rows: 4,
      ok: 3,
      errors: 1,
      agreement_rate: 0.6667,
      agreement_correctness: 0.5,
      accuracy: 0.3333,
      mean_turns: 2.67,
      prompt_tokens: 20 * 8,
      completion_tokens: 5 * 8,
      tokens: 25 * 8,
    });
  });
});
