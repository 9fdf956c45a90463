// Reads JSONL / JSONL.gz datasets line by line (and JSON-array files); a bad line becomes a reported item, never a crash.
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { readJsonArray } from "./dataset-json.ts";
import { MatrixError } from "./errors.ts";

export type DatasetItem =
  | { line: number; row: Record<string, unknown> }
  | { line: number; error: { code: string; message: string } };

/** Yields one item per non-blank line; `limit` counts yielded items. */
export async function* readDataset(path: string, limit: number | null = null): AsyncGenerator<DatasetItem> {
  if (path.endsWith(".json")) {
    yield* readJsonArray(path, limit);
    return;
  }
  const file = createReadStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    file.once("open", () => resolve());
    file.once("error", reject);
  });
  try {
    await opened;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new MatrixError("dataset", `${path}: cannot read dataset (${code})`, { cause: err });
  }
  const input = path.endsWith(".gz") ? file.pipe(createGunzip()) : file;
  const lines = createInterface({ input, crlfDelay: Infinity });
  const name = basename(path);
  let lineNo = 0;
  let yielded = 0;
  try {
    for await (const text of lines) {
      lineNo++;
      if (limit !== null && yielded >= limit) break;
      if (text.trim() === "") continue;
      yielded++;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        yield { line: lineNo, error: { code: "bad_input", message: `${name}:${lineNo}: invalid JSON (${(err as Error).message})` } };
        continue;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        yield { line: lineNo, error: { code: "bad_input", message: `${name}:${lineNo}: a row must be a JSON object` } };
        continue;
      }
      yield { line: lineNo, row: value as Record<string, unknown> };
    }
  } catch (err) {
    throw new MatrixError("dataset", `${path}:${lineNo + 1}: cannot read dataset (${(err as Error).message})`, { cause: err });
  } finally {
    lines.close();
    file.destroy();
  }
}
