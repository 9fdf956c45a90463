// Free ports for replicas: a configured port, range or 0, probed by binding, never handed out twice.
import { createServer } from "node:net";

/** A port range to search; `from` 0 means any port the kernel gives. */
export type PortRange = { from: number; to: number };

/**
 * `8000` → 8000..8999 (the first free from there), `"8000-8099"` → that range, `0` → any free port.
 * @example portRange("9000-9010") // { from: 9000, to: 9010 }
 */
export function portRange(input: number | string): PortRange {
  if (typeof input === "number") return input === 0 ? { from: 0, to: 0 } : { from: input, to: Math.min(65535, input + 999) };
  const [a, b] = input.split("-").map((s) => Number(s.trim()));
  return { from: Math.min(a!, b!), to: Math.max(a!, b!) };
}

/** Binds `host:port` for a moment; resolves to the bound port, or undefined when it is taken. */
function probe(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(undefined));
    srv.listen(port, host, () => {
      const addr = srv.address();
      const got = typeof addr === "object" && addr !== null ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * A free port in `range` on `host` that is not in `taken` (ports this manager already gave out), preferring
 * `prefer` (a restarted replica keeps its URL when it can). The port is added to `taken`.
 */
export async function pickPort(host: string, range: PortRange, taken: Set<number>, prefer?: number): Promise<number> {
  const candidates: number[] = [];
  if (prefer !== undefined) candidates.push(prefer);
  if (range.from === 0) candidates.push(0);
  else for (let p = range.from; p <= range.to; p++) candidates.push(p);
  for (const c of candidates) {
    if (c !== 0 && taken.has(c) && c !== prefer) continue;
    const got = await probe(host, c);
    if (got !== undefined && (!taken.has(got) || got === prefer)) {
      taken.add(got);
      return got;
    }
  }
  throw new Error(`no free port in ${range.from}-${range.to} on ${host}`);
}
