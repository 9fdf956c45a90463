// Generic text: a deterministic sentence about the request, padded by the server to the sampled length.
// With `response_format` json_object or json_schema the reply is a JSON object instead (from the schema when given).
import { lastUserText, type Script, type ScriptRequest, type ScriptReply } from "../script.ts";
import { approxTokens } from "../text.ts";
import { argsFromSchema } from "./schema-args.ts";

const OPENERS = ["Here is a response.", "Sure.", "Let me think about that.", "Certainly.", "Good question."];

function jsonReply(req: ScriptRequest, topic: string): ScriptReply | undefined {
  const rf = req.responseFormat as { type?: unknown; json_schema?: { schema?: unknown } } | null | undefined;
  if (rf?.type === "json_schema") {
    const content = JSON.stringify(argsFromSchema(rf.json_schema?.schema ?? { type: "object", properties: {} }, req.rng));
    return { content, tokens: approxTokens(content) };
  }
  if (rf?.type === "json_object") {
    const content = JSON.stringify({ answer: topic || "ok" });
    return { content, tokens: approxTokens(content) };
  }
  return undefined;
}

export const generic: Script = {
  name: "generic",
  match: () => true,
  reply(req) {
    const topic = lastUserText(req).split(/\s+/).filter(Boolean).slice(0, 8).join(" ");
    const json = jsonReply(req, topic);
    if (json !== undefined) return json;
    const opener = OPENERS[Math.floor(req.rng() * OPENERS.length)]!;
    return { content: topic ? `${opener} Regarding "${topic}":` : opener };
  },
};
