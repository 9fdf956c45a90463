// Reading a batch-inference row: messages format (`request.messages`, `body.messages`, `messages`) or plain text.
import * as v from "valibot";
import { TerminalError } from "../../runtime/errors.ts";
import { ChatMessage, ToolSpec, type Sampling } from "../../services/llm/openai.ts";
import type { ChatCall } from "../../services/llm/types.ts";
import { asRecord } from "../turns.ts";
import type { InferenceParams } from "./params.ts";

const Messages = v.pipe(v.array(ChatMessage), v.minLength(1, "messages must not be empty"));
const Tools = v.array(ToolSpec);

// Per-row sampling a request may carry; anything else in the request is ignored.
const SAMPLING_KEYS = ["temperature", "top_p", "max_tokens", "stop", "presence_penalty", "frequency_penalty"] as const;

/** The request object of a row: `request` (our format), `body` (OpenAI batch files), or the row itself. */
function requestOf(row: Record<string, unknown>): Record<string, unknown> {
  return asRecord(row.request) ?? asRecord(row.body) ?? row;
}

/** The row's id: `id`, else OpenAI batch files' `custom_id`, else null. */
export function rowId(input: unknown): string | number | null {
  const row = asRecord(input);
  const id = row?.id ?? row?.custom_id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/**
 * The chat call for a row. Throws a TerminalError (code `bad_input`) naming what is missing, so a bad row
 * becomes an error row and the run goes on.
 */
export function buildCall(input: unknown, params: InferenceParams): ChatCall {
  const row = asRecord(input);
  if (!row) throw new TerminalError("bad_input", "inference row is not a JSON object");
  const req = requestOf(row);
  let messages: ChatMessage[];
  if (req.messages !== undefined) {
    const parsed = v.safeParse(Messages, req.messages);
    if (!parsed.success) throw new TerminalError("bad_input", `inference row has invalid messages: ${v.summarize(parsed.issues)}`);
    messages = parsed.output;
  } else if (typeof row[params.text_key] === "string" && row[params.text_key] !== "") {
    messages = [{ role: "user", content: row[params.text_key] as string }];
  } else {
    throw new TerminalError(
      "bad_input",
      `inference row has neither request.messages, messages nor a non-empty "${params.text_key}" string (inference.text_key)`,
    );
  }
  if (params.system_prompt !== null && !messages.some((m) => m.role === "system" || m.role === "developer")) {
    messages = [{ role: "system", content: params.system_prompt }, ...messages];
  }

  const call: ChatCall = { messages };
  if (req.tools !== undefined) {
    const tools = v.safeParse(Tools, req.tools);
    if (!tools.success) throw new TerminalError("bad_input", `inference row has invalid tools: ${v.summarize(tools.issues)}`);
    call.tools = tools.output;
  }
  if (req.tool_choice !== undefined) call.tool_choice = req.tool_choice;
  if (req.response_format !== undefined) call.response_format = req.response_format;
  if (typeof req.seed === "number") call.seed = req.seed;
  const sampling: Sampling = {};
  for (const key of SAMPLING_KEYS) {
    if (req[key] !== undefined) sampling[key] = req[key] as never;
  }
  if (typeof req.max_completion_tokens === "number" && sampling.max_tokens === undefined) {
    sampling.max_tokens = req.max_completion_tokens;
  }
  if (Object.keys(sampling).length > 0) call.sampling = sampling;
  return call;
}
