// Pulling the committed option letter out of an agent's message (the regex extractor) or an extractor's reply.
import { LETTERS } from "./item.ts";

// A bare letter counts only where a sentence could end ("answer is B." / "answer is B because"), so "the answer
// is I think B" does not read as I.
const LETTER = String.raw`(?:\(([A-J])\)|([A-J])(?=[.,;:!?)]|\s*$|\s*\n|\s+(?:because|since|as|and|-|–|—)\s))`;

// Strongest signals first; within one pattern the last occurrence wins, since agents conclude at the end.
const PATTERNS: RegExp[] = [
  // "the answer is (C)", "final answer is: C", "answer would be option C"
  new RegExp(String.raw`\b[Aa]nswer\s+(?:is|would\s+be|should\s+be|remains)\s*:?\s*(?:[Oo]ption\s+)?` + LETTER, "g"),
  // "Answer: C", "Final answer: (C)"
  new RegExp(String.raw`\b[Aa]nswer\s*:\s*(?:[Oo]ption\s+)?` + LETTER, "g"),
  // "(C)" anywhere
  /\(([A-J])\)/g,
];

/**
 * The option letter a message commits to, or null. Looks for "answer is X", then "Answer: X", then "(X)",
 * and takes the last match of the first pattern that yields a letter among the first `optionCount` ones.
 */
export function extractAnswer(text: string, optionCount = 10): string | null {
  const plain = text.replace(/[*_`]/g, "");
  const allowed = LETTERS.slice(0, optionCount);
  for (const re of PATTERNS) {
    let found: string | null = null;
    for (const m of plain.matchAll(re)) {
      const letter = m[1] ?? m[2];
      if (letter !== undefined && allowed.includes(letter)) found = letter;
    }
    if (found !== null) return found;
  }
  return null;
}

/** Reads an extractor LLM's reply ("C", "(C)", "Answer: C", "NONE") as a letter or null. */
export function parseExtractorReply(text: string | null, optionCount = 10): string | null {
  if (text === null) return null;
  const t = text.trim().replace(/[*_`."']/g, "");
  if (/^none\b/i.test(t)) return null;
  const allowed = LETTERS.slice(0, optionCount);
  const single = /^\(?([A-J])\)?$/.exec(t);
  if (single && allowed.includes(single[1]!)) return single[1]!;
  return extractAnswer(t, optionCount);
}
