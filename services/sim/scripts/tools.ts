// Tool use: requests that offer tools get, with some probability, one call with arguments from its schema.
import type { ToolSpec } from "../../llm/openai.ts";
import { pick, randomHex } from "../rng.ts";
import { lastRole, type Script, type ScriptRequest } from "../script.ts";
import { generic } from "./generic.ts";
import { argsFromSchema } from "./schema-args.ts";

/** The tool that `tool_choice` forces (`"required"` forces one of them), or undefined when the model may choose. */
function forcedTool(req: ScriptRequest, tools: ToolSpec[]): ToolSpec | "any" | undefined {
  const choice = req.toolChoice;
  if (choice === "required") return "any";
  if (typeof choice === "object" && choice !== null) {
    const name = (choice as { function?: { name?: unknown } }).function?.name;
    return tools.find((t) => t.function.name === name) ?? "any";
  }
  return undefined;
}

/**
 * Any request with tools (unless `tool_choice` is "none"): after a tool result, text; otherwise one tool call
 * with probability `tool_call_rate` (always when `tool_choice` forces it), else text.
 */
export const toolUse: Script = {
  name: "tools",
  match: (req) => req.tools !== undefined && req.tools.length > 0 && req.toolChoice !== "none",
  reply(req) {
    const tools = req.tools ?? [];
    const forced = forcedTool(req, tools);
    const call = forced !== undefined || (lastRole(req) !== "tool" && req.rng() < req.toolCallRate);
    if (!call) return generic.reply(req);
    const tool = forced !== undefined && forced !== "any" ? forced : pick(req.rng, tools);
    const args = argsFromSchema(tool.function.parameters ?? { type: "object", properties: {} }, req.rng);
    return {
      content: null,
      tool_calls: [{ id: `call_${randomHex(req.rng, 24)}`, type: "function", function: { name: tool.function.name, arguments: JSON.stringify(args) } }],
    };
  },
};
