// Tests of the NaturalReasoning reply parsers: the filter verdict, the score object, the question and answer.
import { describe, expect, it } from "vitest";
import { parseQuestion, parseScores, parseVerdict } from "../workflows/natural-reasoning/parse.ts";

describe("natural-reasoning - parsers", () => {
  it("parse - a verdict is yes only when the reply starts with the word yes", () => {
    for (const yes of ["yes", "Yes.", " YES", '"yes"', "**Yes**", "yes, it does"]) expect(parseVerdict(yes)).toBe("yes");
    for (const no of ["no", "No.", "yesterday", "The answer is yes", "", null]) expect(parseVerdict(no)).toBe("no");
  });

  it("parse - scores from a JSON object, also inside prose or a code fence, with numeric strings", () => {
    expect(parseScores('{"reasoning_depth": 4, "clarity": 3, "factuality": 5, "difficulty": 2, "overall": 4}')).toEqual({
      reasoning_depth: 4, clarity: 3, factuality: 5, difficulty: 2, overall: 4,
    });
    expect(parseScores('Sure:\n```json\n{"overall": "3.5", "clarity": 2}\n```')).toEqual({ clarity: 2, overall: 3.5 });
  });

  it("parse - dimensions that are not scores and unknown keys are dropped", () => {
    expect(parseScores('{"overall": 2, "clarity": 9, "difficulty": "hard", "novelty": 5}')).toEqual({ overall: 2 });
  });

  it("parse - scores are null without a valid overall from 1 to 5 or without a JSON object", () => {
    for (const bad of ['{"overall": 0}', '{"overall": 6}', '{"clarity": 4}', '{"overall": "high"}', '{"overall": 4,}', "[4]", "4", "", null]) {
      expect(parseScores(bad)).toBeNull();
    }
  });

  it("parse - a question with its answer, also in markdown and with a multi-line answer", () => {
    expect(parseQuestion("Question: Why?\nAnswer: Because.")).toEqual({ question: "Why?", answer: "Because." });
    expect(parseQuestion("**Question:** How far?\n**Answer:** 12 km.\nFirst find the speed.")).toEqual({
      question: "How far?",
      answer: "12 km.\nFirst find the speed.",
    });
    expect(parseQuestion("Here you go.\nQuestion: What follows?\nReference Answer: It halves.")).toEqual({
      question: "What follows?",
      answer: "It halves.",
    });
  });

  it("parse - replies without both parts are null", () => {
    for (const bad of ["Question: Why is it so?", "Answer: 42", "Why is the sky blue? Rayleigh scattering.", "Question:\nAnswer: x", "", null]) {
      expect(parseQuestion(bad)).toBeNull();
    }
  });
});
