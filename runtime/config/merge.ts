// Deep merge of config layers and `key.sub=value` overrides.
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors.ts";

export type Tree = Record<string, unknown>;

export function isPlainObject(x: unknown): x is Tree {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Merges `over` onto `base` (objects recursively; arrays and scalars replace). Returns a new tree. */
export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, val] of Object.entries(over)) {
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(val) ? deepMerge(cur, val) : val;
  }
  return out;
}

/**
 * Parses one `a.b.c=value` override into a tree. The value is read as a YAML scalar or flow collection, so
 * `true`, `12`, `null`, `[a, b]` and `{x: 1}` have their types; anything else stays a string.
 */
export function parseOverride(arg: string): Tree {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new ConfigError(`override "${arg}": expected key.path=value`);
  const path = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  if (!/^[A-Za-z_][\w-]*(\.[A-Za-z_0-9][\w-]*)*$/.test(path)) {
    throw new ConfigError(`override "${arg}": "${path}" is not a key path (letters, digits, _ and - separated by dots)`);
  }
  let value: unknown = raw;
  if (raw.trim() !== "") {
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
  }
  const keys = path.split(".");
  let tree: Tree = {};
  const root = tree;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) tree[k] = value;
    else {
      const next: Tree = {};
      tree[k] = next;
      tree = next;
    }
  });
  return root;
}
