// A Coral dataset row (MMLU-Pro style): question, 2-10 options lettered A-J, gold letter.
import * as v from "valibot";
import { TerminalError } from "../../runtime/errors.ts";

export const LETTERS = "ABCDEFGHIJ";

const Row = v.looseObject({
  id: v.optional(v.union([v.string(), v.number()])),
  question: v.pipe(v.string(), v.trim(), v.minLength(1, "question must not be empty")),
  options: v.pipe(v.array(v.string()), v.minLength(2, "at least 2 options"), v.maxLength(10, "at most 10 options (A-J)")),
  /** Gold letter ("C"); MMLU-Pro rows also carry `answer_index`, used when `answer` is absent. */
  answer: v.optional(v.string()),
  answer_index: v.optional(v.number()),
  category: v.optional(v.string()),
});

export type CoralItem = {
  id: string | number | null;
  question: string;
  options: string[];
  gold: string;
  category: string | null;
};

/** Parses a dataset row; throws a TerminalError (code `bad_input`) saying what is wrong. */
export function parseItem(input: unknown): CoralItem {
  const parsed = v.safeParse(Row, input);
  if (!parsed.success) throw new TerminalError("bad_input", `coral row: ${v.summarize(parsed.issues)}`);
  const row = parsed.output;
  const letters = LETTERS.slice(0, row.options.length);
  let gold: string | undefined;
  if (row.answer !== undefined) {
    gold = row.answer.trim().replace(/^\((.)\)$/, "$1").toUpperCase();
  } else if (row.answer_index !== undefined) {
    gold = letters[row.answer_index];
  }
  if (gold === undefined || gold.length !== 1 || !letters.includes(gold)) {
    throw new TerminalError(
      "bad_input",
      `coral row: answer must be one of the option letters ${letters[0]}-${letters.at(-1)} (got ${JSON.stringify(row.answer ?? row.answer_index ?? null)})`,
    );
  }
  return { id: row.id ?? null, question: row.question, options: row.options, gold, category: row.category ?? null };
}
