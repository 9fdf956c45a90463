// Reads a JSON-array dataset (`.json`: one task per element), such as a benchmark's tasks.json, as dataset items.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { DatasetItem } from "./dataset.ts";
import { MatrixError } from "./errors.ts";

/** Yields one item per array element; `line` is the element's 1-based index. A non-object element is an error item. */
export async function* readJsonArray(path: string, limit: number | null): AsyncGenerator<DatasetItem> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new MatrixError("dataset", `${path}: cannot read dataset (${code})`, { cause: err });
  }
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (err) {
    throw new MatrixError("dataset", `${path}: invalid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!Array.isArray(rows)) throw new MatrixError("dataset", `${path}: a .json dataset must be an array of objects`);
  const name = basename(path);
  for (let i = 0; i < rows.length; i++) {
    if (limit !== null && i >= limit) return;
    const row: unknown = rows[i];
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      yield { line: i + 1, error: { code: "bad_input", message: `${name}[${i}]: a row must be a JSON object` } };
    } else yield { line: i + 1, row: row as Record<string, unknown> };
  }
}
