// Inline task rows of a job: stored once in the object store under `<job>/_tasks.json`, read by whichever gateway admits.
import type { DatasetItem } from "../../dataset.ts";
import type { NatsBlobStore } from "../../message/blobs-nats.ts";

const utf8 = new TextEncoder();

/** The object name of a job's inline rows (under the job's prefix, so the end-of-run blob sweep removes it). */
export function inlineTasksObject(job: string): string {
  return `${job}/_tasks.json`;
}

/** Stores a job's inline rows. */
export async function putInlineTasks(blobs: NatsBlobStore, job: string, rows: Record<string, unknown>[]): Promise<string> {
  const name = inlineTasksObject(job);
  await blobs.put(name, utf8.encode(JSON.stringify(rows)));
  return name;
}

/** The stored rows as dataset items (line = row number from 1), at most `limit` of them. */
export async function* readInlineTasks(blobs: NatsBlobStore, name: string, limit: number | null): AsyncGenerator<DatasetItem> {
  const bytes = await blobs.get(name);
  if (!bytes) throw new Error(`the inline tasks of this job are gone from the object store (${name})`);
  const rows = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>[];
  const n = limit === null ? rows.length : Math.min(limit, rows.length);
  for (let i = 0; i < n; i++) yield { line: i + 1, row: rows[i]! };
}
