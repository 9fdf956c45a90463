// The end of a replica's log file, for error messages that say why an engine died.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/**
 * The last `lines` lines (at most `maxBytes` bytes) of `path`; "" when it cannot be read.
 * @example logTail("logs/services/llama8b-0-0.log", 20)
 */
export function logTail(path: string, lines = 20, maxBytes = 8_192): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = fstatSync(fd).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const text = buf.toString("utf8").replace(/\s+$/, "");
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
