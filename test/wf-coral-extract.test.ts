// Tests of Coral's answer extraction: the regex over an agent's message and the extractor LLM's reply.
import { describe, expect, it } from "vitest";
import { extractAnswer, parseExtractorReply } from "../workflows/coral/extract.ts";

describe("coral - answer extraction", () => {
  it("extract - reads the committed letter from the usual phrasings", () => {
    const cases: [string, string][] = [
      ["Therefore, the answer is (C).", "C"],
      ["The final answer is: D", "D"],
      ["I think the answer would be option E because of the units.", "E"],
      ["Answer: (B)", "B"],
      ["**Final answer: A**", "A"],
      ["Between (A) and (G), I pick (G)", "G"],
      ["So the answer is J.", "J"],
    ];
    for (const [text, letter] of cases) expect(extractAnswer(text)).toBe(letter);
  });

  it("extract - the last commitment wins and stronger phrasings beat a bare (X)", () => {
    expect(extractAnswer("At first the answer is (A). After checking again, the answer is (C).")).toBe("C");
    expect(extractAnswer("Option (B) looks tempting, but the answer is D.")).toBe("D");
  });

  it("extract - a word that starts with a letter, or a letter beyond the options, is not an answer", () => {
    expect(extractAnswer("The answer is I think B")).toBeNull();
    expect(extractAnswer("Answer: a lot of work")).toBeNull();
    expect(extractAnswer("The answer is (F).", 4)).toBeNull();
    expect(extractAnswer("No commitment yet.")).toBeNull();
  });

  it("extract - an extractor reply may be a letter, a bracketed letter, a sentence or NONE", () => {
    expect(parseExtractorReply("C")).toBe("C");
    expect(parseExtractorReply(" (C). ")).toBe("C");
    expect(parseExtractorReply("Answer: D")).toBe("D");
    expect(parseExtractorReply("NONE")).toBeNull();
    expect(parseExtractorReply("none of them")).toBeNull();
    expect(parseExtractorReply("H", 4)).toBeNull();
    expect(parseExtractorReply(null)).toBeNull();
  });
});
