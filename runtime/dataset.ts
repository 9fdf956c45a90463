// Reads JSONL / JSONL.gz datasets line by line (and JSON-array files); a bad line becomes a reported item, never a crash.
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { createGunzip } from "node:zlib";
import { readJsonArray } from "./dataset-json.ts";
import { MatrixError } from "./errors.ts";

export type DatasetItem =
  | { line: number; row: Record<string, unknown> }
  | { line: number; error: { code: string; message: string } };

/** Yields one item per non-blank line; `limit` counts yielded items. */
export async function* readDataset(path: string, limit: number | null = null): AsyncGenerator<DatasetItem> {
  for await (const batch of readDatasetBatches(path, limit)) yield* batch;
}

/** How many items a dataset yields (bad lines included: each becomes an error row), without parsing a JSONL row. */
export async function countDatasetItems(path: string, limit: number | null = null): Promise<number> {
  let n = 0;
  for await (const batch of readDatasetBatches(path, limit, undefined, false)) n += batch.length;
  return n;
}

/** Stands for every line when only counting. */
const UNPARSED: DatasetItem = Object.freeze({ line: 0, row: {} });

/**
 * The items of a dataset in batches, one per chunk read from the file (a few thousand rows of a JSONL file): a
 * reader can take a whole batch without a wait per row. Lines end at `\n`, `\r\n` or `\r`; blank lines are
 * skipped; `limit` counts items. `chunkBytes` is the read size (tests use tiny ones to split lines across reads);
 * `parse` false yields placeholders (for counting).
 */
export async function* readDatasetBatches(
  path: string,
  limit: number | null = null,
  chunkBytes = 64 * 1024,
  parse = true,
): AsyncGenerator<DatasetItem[]> {
  if (path.endsWith(".json")) {
    for await (const item of readJsonArray(path, limit)) yield [item];
    return;
  }
  const file = createReadStream(path, { highWaterMark: chunkBytes });
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
  const input: AsyncIterable<Uint8Array> = path.endsWith(".gz") ? file.pipe(createGunzip()) : file;
  const name = basename(path);
  const decoder = new TextDecoder("utf-8");
  let lineNo = 0;
  let yielded = 0;
  let carry = "";
  const full = () => limit !== null && yielded >= limit;
  // Appends the item of one line (none for a blank line).
  const take = (text: string, batch: DatasetItem[]) => {
    lineNo++;
    if (full() || text.trim() === "") return;
    yielded++;
    batch.push(parse ? parseLine(text, lineNo, name) : UNPARSED);
  };
  try {
    for await (const chunk of input) {
      // The carried rest holds no line end (but perhaps a last `\r`): the search resumes where it stopped.
      const from = Math.max(0, carry.length - 1);
      const text = carry + decoder.decode(chunk, { stream: true });
      const batch: DatasetItem[] = [];
      carry = text.slice(scanLines(text, false, (line) => take(line, batch), from));
      if (batch.length > 0) yield batch;
      if (full()) return;
    }
    const rest = carry + decoder.decode();
    const batch: DatasetItem[] = [];
    const start = scanLines(rest, true, (line) => take(line, batch));
    if (start < rest.length) take(rest.slice(start), batch);
    if (batch.length > 0) yield batch;
  } catch (err) {
    throw new MatrixError("dataset", `${path}:${lineNo + 1}: cannot read dataset (${(err as Error).message})`, { cause: err });
  } finally {
    file.destroy();
  }
}

/**
 * Calls `onLine` for every complete line of `text` and returns where the unfinished rest starts. Unless `final`,
 * a `\r` at the very end is left for the next chunk (it may be the first half of a `\r\n`).
 */
function scanLines(text: string, final: boolean, onLine: (line: string) => void, from = 0): number {
  let start = 0;
  if (text.indexOf("\r", from) === -1) {
    for (let n = text.indexOf("\n", from); n !== -1; n = text.indexOf("\n", start)) {
      onLine(text.slice(start, n));
      start = n + 1;
    }
    return start;
  }
  const eol = /\r\n|\n|\r/g;
  eol.lastIndex = from;
  for (let m = eol.exec(text); m !== null; m = eol.exec(text)) {
    if (!final && m[0] === "\r" && m.index === text.length - 1) break;
    onLine(text.slice(start, m.index));
    start = m.index + m[0].length;
  }
  return start;
}

function parseLine(text: string, line: number, name: string): DatasetItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { line, error: { code: "bad_input", message: `${name}:${line}: invalid JSON (${(err as Error).message})` } };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { line, error: { code: "bad_input", message: `${name}:${line}: a row must be a JSON object` } };
  }
  return { line, row: value as Record<string, unknown> };
}
