// Reading the three stages' replies: a yes/no verdict, a JSON score object, a question with its answer.
import * as v from "valibot";
import { DIMENSIONS } from "./prompts.ts";

/** "yes" when the reply starts with yes (any case, punctuation around it); anything else is "no". */
export function parseVerdict(text: string | null): "yes" | "no" {
  return /^\W*yes\b/i.test(text ?? "") ? "yes" : "no";
}

export type Scores = Record<string, number> & { overall: number };

const Score = v.pipe(
  v.union([v.number(), v.pipe(v.string(), v.regex(/^\s*\d+(\.\d+)?\s*$/), v.transform(Number))]),
  v.minValue(1),
  v.maxValue(5),
);

/** The first `{...}` of a reply (models wrap JSON in prose or code fences). */
function jsonObjectText(text: string): string | null {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  return start >= 0 && end > start ? text.slice(start, end + 1) : null;
}

/**
 * The scores of a scorer reply, or null when it is not a JSON object whose `overall` is a score from 1 to 5.
 * The other dimensions are kept when they are scores and dropped otherwise; other keys are dropped.
 */
export function parseScores(text: string | null): Scores | null {
  const body = jsonObjectText(text ?? "");
  if (body === null) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const obj = raw as Record<string, unknown>;
  const overall = v.safeParse(Score, obj.overall);
  if (!overall.success) return null;
  const scores: Record<string, number> = {};
  for (const dim of DIMENSIONS) {
    const s = v.safeParse(Score, obj[dim]);
    if (s.success) scores[dim] = s.output;
  }
  return { ...scores, overall: overall.output };
}

export type QuestionAnswer = { question: string; answer: string };

const QA = /^[\s#*]*Question\s*:\s*\**\s*([\s\S]+?)\n[\s#*]*(?:Reference\s+)?Answer\s*:\s*\**\s*([\s\S]+)$/im;

/** The question and reference answer of a writer reply ("Question: ...\nAnswer: ..."), or null. */
export function parseQuestion(text: string | null): QuestionAnswer | null {
  const m = QA.exec(text ?? "");
  if (!m) return null;
  const question = m[1]!.trim();
  const answer = m[2]!.trim();
  return question && answer ? { question, answer } : null;
}
