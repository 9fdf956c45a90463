// A domain's tools: definitions, their OpenAI function schemas, argument checks and one call's result text.
// Dependency-free on purpose: the sandboxed tool runner imports it.
import type { TaskDb } from "./db.ts";

/** One parameter of a tool. `string[]` is a JSON array of strings. */
export type ToolParam = {
  type: "string" | "number" | "string[]";
  description: string;
  optional?: boolean;
};

/** Reads never change the database; writes may; generic tools (calculate, transfer) touch nothing. */
export type ToolKind = "read" | "write" | "generic";

export type ToolDef = {
  name: string;
  description: string;
  kind: ToolKind;
  params: Record<string, ToolParam>;
  /** Runs the tool; throws `ToolError` for a failure the assistant should see. */
  run(db: TaskDb, args: Record<string, unknown>): unknown;
};

/** A domain's set of tools. */
export type Toolkit = { domain: string; tools: ToolDef[] };

/** A tool call as the workflow records it: arguments already parsed from JSON. */
export type ToolInvocation = { name: string; arguments: Record<string, unknown> };

/** What a call returns to the assistant: the result (JSON text for records) or `Error: ...`. */
export type ToolOutcome = { ok: boolean; content: string };

/** A failure of a tool call, shown to the assistant as `Error: <message>`; the database is unchanged. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

/** The tools as OpenAI function schemas (`tools` of a chat request). */
export function functionSchemas(kit: Toolkit): Array<{ type: "function"; function: { name: string; description: string; parameters: Record<string, unknown> } }> {
  return kit.tools.map((t) => ({
    type: "function",
    function: {
      name: t.name,
      description: t.description,
      parameters: {
        type: "object",
        properties: Object.fromEntries(
          Object.entries(t.params).map(([name, p]) => [
            name,
            p.type === "string[]" ? { type: "array", items: { type: "string" }, description: p.description } : { type: p.type, description: p.description },
          ]),
        ),
        required: Object.entries(t.params).filter(([, p]) => !p.optional).map(([name]) => name),
      },
    },
  }));
}

/** The tool named `name`, or undefined. */
export function findTool(kit: Toolkit, name: string): ToolDef | undefined {
  return kit.tools.find((t) => t.name === name);
}

/** True when the tool may change the database. */
export function isWrite(kit: Toolkit, name: string): boolean {
  return findTool(kit, name)?.kind === "write";
}

function checkArgs(tool: ToolDef, args: Record<string, unknown>): void {
  for (const key of Object.keys(args)) {
    if (!Object.hasOwn(tool.params, key)) throw new ToolError(`${tool.name}() got an unexpected argument '${key}'`);
  }
  for (const [name, p] of Object.entries(tool.params)) {
    const value = args[name];
    if (value === undefined || value === null) {
      if (p.optional) continue;
      throw new ToolError(`${tool.name}() missing required argument '${name}'`);
    }
    const ok =
      p.type === "string[]" ? Array.isArray(value) && value.every((x) => typeof x === "string") : typeof value === p.type;
    if (!ok) throw new ToolError(`${tool.name}() argument '${name}' must be ${p.type === "string[]" ? "a list of strings" : `a ${p.type}`}`);
  }
}

/** Result text of a tool's return value: strings as they are, everything else as JSON. */
export function resultText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Runs one call against `db`. Never throws: unknown tools, bad arguments and tool failures become
 * `{ok: false, content: "Error: ..."}` and leave the database unchanged (tools check everything before writing).
 */
export function runTool(kit: Toolkit, db: TaskDb, call: ToolInvocation): ToolOutcome {
  const tool = findTool(kit, call.name);
  if (!tool) return { ok: false, content: `Error: Tool '${call.name}' not found.` };
  try {
    checkArgs(tool, call.arguments);
    return { ok: true, content: resultText(tool.run(db, call.arguments)) };
  } catch (err) {
    return { ok: false, content: `Error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * `round(x, 2)` as the reference computes it (Python: the exact binary value, ties to even), so balances and
 * price differences match the reference to the cent.
 */
export function roundCents(x: number): number {
  const scaled = x * 100;
  const floor = Math.floor(scaled);
  // An exact tie k + 0.5 cents needs x = m / 8 (no factor 5 in a binary fraction); toFixed handles everything else
  // from the exact binary value, as Python does, but breaks exact ties upwards instead of to even.
  if (Number.isInteger(x * 8) && scaled - floor === 0.5) return (floor % 2 === 0 ? floor : floor + 1) / 100;
  return Number(x.toFixed(2));
}
