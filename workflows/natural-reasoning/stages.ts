// The NaturalReasoning roles: filter, scorer and writer, one LLM call each, recording a rejection in the state.
import type { Role } from "../../runtime/workflow.ts";
import type { ChatCall } from "../../services/llm/types.ts";
import { llmTurn } from "../turns.ts";
import { readDocument } from "./document.ts";
import type { NaturalReasoningParams } from "./params.ts";
import { parseQuestion, parseScores, parseVerdict } from "./parse.ts";
import { filterMessages, scorerMessages, writerMessages } from "./prompts.ts";
import type { NrState, Stage, TerminationReason } from "./state.ts";

type Params = NaturalReasoningParams;

/**
 * A stage: builds its call from the document, then reads the reply into a rejection reason (null = passed).
 * The reply is kept whole in the history; the output mapping parses it again with the same parser.
 */
function stage(
  name: Stage,
  call: (text: string, params: Params) => ChatCall,
  judge: (reply: string | null, params: Params) => TerminationReason | null,
): Role<Params> {
  return {
    async handle(msg, ctx) {
      const doc = readDocument(msg.input, ctx.params.text_key);
      const res = await ctx.llm(name).chat(call(doc.text, ctx.params), { signal: ctx.signal });
      const state: NrState = { stage: name, reason: judge(res.content, ctx.params) };
      return { turn: llmTurn(name, res, { finish_reason: res.finish_reason }), state };
    },
  };
}

export const filterRole = stage(
  "filter",
  (text, p) => ({ messages: filterMessages(text, p.max_document_chars) }),
  (reply) => (parseVerdict(reply) === "yes" ? null : "filter_rejected"),
);

export const scorerRole = stage(
  "scorer",
  (text, p) => {
    const call: ChatCall = { messages: scorerMessages(text, p.max_document_chars) };
    if (p.json_mode) call.response_format = { type: "json_object" };
    return call;
  },
  (reply, p) => {
    const scores = parseScores(reply);
    if (scores === null) return "score_unparseable";
    return scores.overall < p.min_score ? "low_score" : null;
  },
);

export const writerRole = stage(
  "writer",
  (text, p) => ({ messages: writerMessages(text, p.max_document_chars) }),
  (reply) => (parseQuestion(reply) === null ? "question_unparseable" : null),
);
