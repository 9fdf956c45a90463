// The JSONL result file: one row per task, appended in batches; reopening it tells which tasks are done.
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export interface ResultWriter {
  /** Tasks whose rows are already in the store (from earlier runs and this one). */
  has(task: string): boolean;
  /** `line`: the row's JSON on one line, when the caller has it already (written as it is). */
  write(task: string, row: Record<string, unknown>, line?: string): void;
  flush(): void;
  close(): Promise<void>;
}

export type ExistingRows = { rows: Record<string, unknown>[]; repairedBytes: number };

/**
 * Reads the rows already in `path`. A trailing partial line (a write cut by kill -9) is cut off so the
 * file holds only complete rows again; complete rows are never touched.
 */
export function readExistingRows(path: string): ExistingRows {
  if (!existsSync(path)) return { rows: [], repairedBytes: 0 };
  const buf = readFileSync(path);
  let end = buf.length;
  let repairedBytes = 0;
  if (end > 0 && buf[end - 1] !== 0x0a) {
    const lastNl = buf.lastIndexOf(0x0a);
    end = lastNl + 1;
    repairedBytes = buf.length - end;
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, end);
    } finally {
      closeSync(fd);
    }
  }
  const rows: Record<string, unknown>[] = [];
  const text = buf.subarray(0, end).toString("utf8");
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const row = JSON.parse(line) as unknown;
      if (row && typeof row === "object" && typeof (row as { task?: unknown }).task === "string") rows.push(row as Record<string, unknown>);
    } catch {
      // A corrupt complete line is left as it is; its task is run again.
    }
  }
  return { rows, repairedBytes };
}

/** Appends rows to a JSONL file, batching writes; each flush is one write of whole lines. */
export class JsonlResultWriter implements ResultWriter {
  readonly #fd: number;
  readonly #done = new Set<string>();
  #buf: string[] = [];
  #bufBytes = 0;
  #timer: ReturnType<typeof setInterval>;
  #closed = false;

  readonly path: string;

  constructor(path: string, existingTasks: Iterable<string>, flushMs = 100) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(path, "a");
    for (const t of existingTasks) this.#done.add(t);
    this.#timer = setInterval(() => this.flush(), flushMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  has(task: string): boolean {
    return this.#done.has(task);
  }

  write(task: string, row: Record<string, unknown>, line?: string): void {
    if (this.#closed) throw new Error(`result file ${this.path} is closed`);
    this.#done.add(task);
    const text = (line ?? JSON.stringify(row)) + "\n";
    this.#buf.push(text);
    this.#bufBytes += text.length;
    if (this.#bufBytes > 256 * 1024) this.flush();
  }

  flush(): void {
    if (this.#buf.length === 0) return;
    const data = this.#buf.join("");
    this.#buf = [];
    this.#bufBytes = 0;
    writeSync(this.#fd, data);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
  }
}
