// Plausible tool-call arguments generated from a JSON-schema `parameters` object, deterministically.
import { pick, randomHex, randomInt } from "../rng.ts";

type Schema = Record<string, unknown>;

const WORDS = ["alpha", "blue", "delta", "green", "order", "north", "river", "silver", "summit", "vector"];

function isSchema(x: unknown): x is Schema {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function typeOf(s: Schema): string {
  const t = s.type;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) return (t.find((x) => x !== "null") as string | undefined) ?? "null";
  if (isSchema(s.properties)) return "object";
  if (s.items !== undefined) return "array";
  return "string";
}

function stringFor(s: Schema, key: string, rng: () => number): string {
  switch (s.format) {
    case "date":
      return `2024-${String(randomInt(rng, 1, 12)).padStart(2, "0")}-${String(randomInt(rng, 1, 28)).padStart(2, "0")}`;
    case "date-time":
      return `2024-${String(randomInt(rng, 1, 12)).padStart(2, "0")}-${String(randomInt(rng, 1, 28)).padStart(2, "0")}T12:00:00Z`;
    case "email":
      return `${pick(rng, WORDS)}.${pick(rng, WORDS)}@example.com`;
    case "uri":
      return `https://example.com/${pick(rng, WORDS)}`;
  }
  const k = key.toLowerCase();
  if (k === "id" || k.endsWith("_id") || k.endsWith("id")) return `${k.replace(/_?id$/, "") || "id"}_${randomHex(rng, 6)}`;
  if (k.includes("email")) return `${pick(rng, WORDS)}@example.com`;
  if (k.includes("name")) return `${cap(pick(rng, WORDS))} ${cap(pick(rng, WORDS))}`;
  if (k.includes("zip") || k.includes("code")) return String(randomInt(rng, 10000, 99999));
  const n = randomInt(rng, 1, 3);
  return Array.from({ length: n }, () => pick(rng, WORDS)).join(" ");
}

function cap(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/**
 * A value matching `schema` (enum, const, anyOf/oneOf, object with required and some optional properties,
 * arrays of 1-3 items, strings shaped by format or key name, numbers within their bounds, booleans).
 * @example argsFromSchema({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }, rng)
 */
export function argsFromSchema(schema: unknown, rng: () => number, key = "", depth = 0): unknown {
  if (!isSchema(schema)) return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(rng, schema.enum);
  if ("const" in schema) return schema.const;
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches) && branches.length > 0) return argsFromSchema(pick(rng, branches), rng, key, depth + 1);
  switch (typeOf(schema)) {
    case "object": {
      const out: Record<string, unknown> = {};
      if (depth > 4 || !isSchema(schema.properties)) return out;
      const required = new Set(Array.isArray(schema.required) ? schema.required : []);
      for (const [k, sub] of Object.entries(schema.properties)) {
        if (required.has(k) || rng() < 0.5) out[k] = argsFromSchema(sub, rng, k, depth + 1);
      }
      return out;
    }
    case "array": {
      if (depth > 4) return [];
      const min = typeof schema.minItems === "number" ? schema.minItems : 1;
      const max = Math.max(min, Math.min(typeof schema.maxItems === "number" ? schema.maxItems : 3, 3));
      return Array.from({ length: randomInt(rng, min, max) }, () => argsFromSchema(schema.items, rng, key, depth + 1));
    }
    case "integer": {
      const min = typeof schema.minimum === "number" ? Math.ceil(schema.minimum) : 0;
      const max = typeof schema.maximum === "number" ? Math.floor(schema.maximum) : Math.max(min, 100);
      return randomInt(rng, min, Math.max(min, max));
    }
    case "number": {
      const min = typeof schema.minimum === "number" ? schema.minimum : 0;
      const max = typeof schema.maximum === "number" ? schema.maximum : min + 100;
      return Math.round((min + rng() * (max - min)) * 100) / 100;
    }
    case "boolean":
      return rng() < 0.5;
    case "null":
      return null;
    default:
      return stringFor(schema, key, rng);
  }
}
