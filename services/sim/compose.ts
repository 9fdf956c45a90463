// From a validated request to the reply the engine will time and send: script, padding, length cap.
import type { ToolCall } from "../llm/openai.ts";
import { sampleOutputLen } from "./lengths.ts";
import type { SimOptions } from "./options.ts";
import type { SimRequest } from "./request.ts";
import { mixSeeds, seededRandom } from "./rng.ts";
import type { Script, ScriptRequest } from "./script.ts";
import { approxTokens, cutToTokens, filler, padToTokens } from "./text.ts";

/** The reply of one request, fully decided before it is scheduled (only its timing is left to the model). */
export type Composed = {
  content: string | null;
  tool_calls: ToolCall[] | undefined;
  /** Completion tokens: what usage reports and what the timing model decodes. At least 1. */
  tokens: number;
  finish_reason: "stop" | "length" | "tool_calls";
  /** Name of the script that wrote it. */
  script: string;
};

/**
 * Runs the first matching script and shapes its reply to the sampled length and the request's cap.
 * @example composeReply(SCRIPTS, req, opts).finish_reason // "stop" | "length" | "tool_calls"
 */
export function composeReply(scripts: readonly Script[], req: SimRequest, opts: SimOptions): Composed {
  const lengthRng = seededRandom(mixSeeds(req.seed, 1));
  const rng = seededRandom(mixSeeds(req.seed, 2));
  const sreq: ScriptRequest = {
    messages: req.messages,
    tools: req.tools,
    toolChoice: req.toolChoice,
    rng,
    seed: req.seed,
    targetTokens: sampleOutputLen(opts.output_len, lengthRng),
    maxTokens: req.cap,
    responseFormat: req.responseFormat,
    toolCallRate: opts.tool_call_rate,
  };
  const script = scripts.find((s) => s.match(sreq));
  const reply = script ? script.reply(sreq) : { content: filler(rng, sreq.targetTokens * 4) };
  const name = script?.name ?? "none";

  if (reply.tool_calls !== undefined && reply.tool_calls.length > 0) {
    const text = reply.tool_calls.map((c) => c.function.name + c.function.arguments).join("");
    const tokens = Math.max(1, reply.tokens ?? approxTokens(text));
    if (tokens <= req.cap) {
      return { content: reply.content, tool_calls: reply.tool_calls, tokens, finish_reason: "tool_calls", script: name };
    }
    // A call cut by max_tokens never closes: what the client gets is the start of its text.
    return { content: cutToTokens(text, req.cap), tool_calls: undefined, tokens: req.cap, finish_reason: "length", script: name };
  }

  let content = reply.content ?? "";
  let tokens: number;
  if (reply.tokens === undefined) {
    tokens = Math.max(1, sreq.targetTokens);
    content = cutToTokens(padToTokens(content, tokens, rng), tokens);
  } else {
    tokens = Math.max(1, reply.tokens);
  }
  if (tokens > req.cap) {
    return { content: cutToTokens(content, req.cap), tool_calls: undefined, tokens: req.cap, finish_reason: "length", script: name };
  }
  return { content, tool_calls: undefined, tokens, finish_reason: reply.finish_reason ?? "stop", script: name };
}
