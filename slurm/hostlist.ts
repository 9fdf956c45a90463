// SLURM host lists (`gpu[01-04,07],login1`): expansion to host names, as `scontrol show hostnames` does.
import { ConfigError } from "../runtime/errors.ts";

/** Splits at commas that are not inside brackets. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
    if (depth < 0 || depth > 1) throw new ConfigError(`host list "${list}": unbalanced brackets`);
  }
  if (depth !== 0) throw new ConfigError(`host list "${list}": unbalanced brackets`);
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** Expands one bracket body (`01-04,07`) to its items, keeping the zero padding of the lower bound. */
function expandRanges(body: string, list: string): string[] {
  const out: string[] = [];
  for (const item of body.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item.trim());
    if (!m) throw new ConfigError(`host list "${list}": bad range "${item}"`);
    const lo = m[1]!;
    const hi = m[2] ?? lo;
    const from = Number(lo);
    const to = Number(hi);
    if (to < from) throw new ConfigError(`host list "${list}": range "${item}" goes backwards`);
    const width = lo.length;
    for (let n = from; n <= to; n++) out.push(String(n).padStart(width, "0"));
  }
  return out;
}

/** Expands one host pattern; several bracket groups multiply (`r[1-2]n[1-2]` is four hosts). */
function expandPattern(pattern: string, list: string): string[] {
  let hosts = [""];
  const re = /([^[\]]*)(?:\[([^\]]*)\])?/g;
  for (const m of pattern.matchAll(re)) {
    if (m[0] === "") continue;
    const prefix = m[1] ?? "";
    const items = m[2] === undefined ? [""] : expandRanges(m[2], list);
    hosts = hosts.flatMap((h) => items.map((i) => h + prefix + i));
  }
  return hosts;
}

/**
 * Expands a SLURM host list into host names, in order.
 * @example expandHostlist("gpu[01-03,07],login1") // ["gpu01", "gpu02", "gpu03", "gpu07", "login1"]
 */
export function expandHostlist(list: string): string[] {
  return splitTopLevel(list).flatMap((p) => expandPattern(p, list));
}

/**
 * Expands an array task spec (`0-31`, `0,2,5-7`, `0-31%4`) into task ids; the `%` throttle is ignored.
 * @example expandTaskIds("0-2,5") // [0, 1, 2, 5]
 */
export function expandTaskIds(spec: string): number[] {
  const body = spec.replace(/^\[|\]$/g, "").replace(/%\d+$/, "");
  const out: number[] = [];
  for (const item of body.split(",")) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(item.trim());
    if (!m) throw new ConfigError(`array task spec "${spec}": bad item "${item}"`);
    const step = Number(m[3] ?? 1);
    for (let n = Number(m[1]); n <= Number(m[2] ?? m[1]); n += step) out.push(n);
  }
  return out;
}
