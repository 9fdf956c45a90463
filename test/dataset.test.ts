// The JSONL reader: line ends, lines split across reads, blank lines, bad lines, limits, gzip.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { countDatasetItems, readDataset, readDatasetBatches, type DatasetItem } from "../runtime/dataset.ts";

const dir = mkdtempSync(join(tmpdir(), "mx-dataset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function all(path: string, limit: number | null = null, chunkBytes?: number): Promise<DatasetItem[]> {
  const out: DatasetItem[] = [];
  for await (const batch of readDatasetBatches(path, limit, chunkBytes)) out.push(...batch);
  return out;
}

const summary = (items: DatasetItem[]) => items.map((i) => ("row" in i ? `${i.line}:${JSON.stringify(i.row)}` : `${i.line}:error:${i.error.message}`));

describe("dataset reader", () => {
  it("dataset - LF, CRLF and CR line ends, a last line without one, blank lines skipped, at any read size", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: i, text: `row ${i} ünïcödé ✓` }));
    const text = rows.map((r, i) => r + (i % 3 === 0 ? "\r\n" : i % 3 === 1 ? "\n" : "\r")).join("") + "\n\r\n  \n" + JSON.stringify({ id: 40 });
    const path = file("mixed.jsonl", text);
    // Three blank lines (LF, CRLF, spaces) before the last row: line numbers count them.
    const expected = [...rows.map((r, i) => `${i + 1}:${r}`), `44:${JSON.stringify({ id: 40 })}`];
    for (const chunk of [1, 2, 3, 7, 64, 65_536]) expect(summary(await all(path, null, chunk))).toEqual(expected);
    const flat: DatasetItem[] = [];
    for await (const item of readDataset(path)) flat.push(item);
    expect(summary(flat)).toEqual(expected);
  });

  it("dataset - a bad line is an item naming the file and line; limit counts items, not lines", async () => {
    const path = file("bad.jsonl", '{"a":1}\n\nnot json\n[1,2]\n{"a":2}\n{"a":3}\n');
    const items = summary(await all(path, null, 5));
    expect(items[0]).toBe('1:{"a":1}');
    expect(items[1]).toMatch(/^3:error:bad\.jsonl:3: invalid JSON/);
    expect(items[2]).toBe("4:error:bad.jsonl:4: a row must be a JSON object");
    expect(items.slice(3)).toEqual(['5:{"a":2}', '6:{"a":3}']);
    expect(summary(await all(path, 4, 3))).toEqual(items.slice(0, 4));
    // Counting sees the same items (bad lines too) without parsing them.
    expect(await countDatasetItems(path)).toBe(items.length);
    expect(await countDatasetItems(path, 4)).toBe(4);
  });

  it("dataset - gzip input reads the same rows; rows arrive in batches, not one at a time", async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) => JSON.stringify({ id: i }));
    const plain = file("big.jsonl", rows.join("\n") + "\n");
    const gz = file("big.jsonl.gz", gzipSync(rows.join("\n") + "\n"));
    expect(summary(await all(gz))).toEqual(summary(await all(plain)));
    let batches = 0;
    for await (const _ of readDatasetBatches(plain)) batches++;
    expect(batches).toBeLessThan(10);
  });
});
