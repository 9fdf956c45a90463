// A NaturalReasoning dataset row: the web document's text (under `text_key`), with its id and url when present.
import * as v from "valibot";
import { TerminalError } from "../../runtime/errors.ts";

const Row = v.looseObject({
  id: v.optional(v.union([v.string(), v.number()])),
  url: v.optional(v.nullable(v.string())),
});

export type WebDocument = { id: string | number | null; url: string | null; text: string };

/**
 * Reads a dataset row; throws a TerminalError (code `bad_input`) when it is not an object, has no non-empty
 * text under `textKey`, or carries an id or url of the wrong type.
 */
export function readDocument(input: unknown, textKey: string): WebDocument {
  const parsed = v.safeParse(Row, input);
  if (!parsed.success) throw new TerminalError("bad_input", `natural-reasoning row: ${v.summarize(parsed.issues)}`);
  const row = parsed.output;
  const text = row[textKey];
  if (typeof text !== "string" || text.trim() === "") {
    throw new TerminalError("bad_input", `natural-reasoning row has no non-empty "${textKey}" string (natural-reasoning.text_key)`);
  }
  return { id: row.id ?? null, url: row.url ?? null, text };
}
