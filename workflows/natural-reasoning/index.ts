// NaturalReasoning curation: web documents pass a filter, a scorer and a question writer, or leave early.
import { samplePath } from "../samples/paths.ts";
import type { Envelope } from "../../runtime/message/envelope.ts";
import type { OutputRow, WorkflowDefinition } from "../../runtime/workflow.ts";
import { lastTurnOf, turnText } from "../turns.ts";
import { readDocument } from "./document.ts";
import { naturalReasoningMetrics } from "./metrics.ts";
import { NaturalReasoningParams } from "./params.ts";
import { parseQuestion, parseScores, parseVerdict } from "./parse.ts";
import { filterRole, scorerRole, writerRole } from "./stages.ts";
import { initialState, nextRole, readState, STAGES } from "./state.ts";

/** The output fields of a finished task; a stage that did not run leaves its fields null. */
function outputRow(msg: Envelope, params: NaturalReasoningParams): OutputRow {
  const doc = readDocument(msg.input, params.text_key);
  const state = readState(msg.state);
  const reply = (stage: string) => {
    const turn = lastTurnOf(msg.history, stage);
    return turn === undefined ? undefined : turnText(turn);
  };
  const filterReply = reply("filter");
  const scorerReply = reply("scorer");
  const writerReply = reply("writer");
  const qa = writerReply === undefined ? null : parseQuestion(writerReply);
  const fields: Record<string, unknown> = { id: doc.id };
  if (doc.url !== null) fields.url = doc.url;
  Object.assign(fields, {
    verdict: filterReply === undefined ? null : parseVerdict(filterReply),
    scores: scorerReply === undefined ? null : parseScores(scorerReply),
    question: qa?.question ?? null,
    answer: qa?.answer ?? null,
    stage: state.stage,
  });
  if (state.reason !== null) return { status: "filtered", reason: state.reason, fields };
  if (state.stage !== STAGES.at(-1)) throw new Error(`task reached the sink after stage ${state.stage ?? "none"} without a termination reason`);
  return { status: "ok", fields };
}

/**
 * `matrix run natural-reasoning dataset.path=pages.jsonl natural-reasoning.min_score=4 llm.writer.url=http://gpu1:8000/v1`
 *
 * Rows: `{id?, url?, text}` (the text key is `natural-reasoning.text_key`). Output: `id`, `url` (when the row has
 * one), `verdict` ("yes"/"no"), `scores` (`reasoning_depth`, `clarity`, `factuality`, `difficulty`, `overall`, or
 * null), `question`, `answer`, `stage` (the last stage that ran). A task rejected by a stage is a `filtered` row
 * whose `termination_reason` is `filter_rejected`, `score_unparseable`, `low_score` or `question_unparseable`.
 */
export const naturalReasoning: WorkflowDefinition<NaturalReasoningParams> = {
  name: "natural-reasoning",
  description: "NaturalReasoning curation: filter, score and write a reasoning question per web document",
  first: STAGES[0],
  roles: { filter: filterRole, scorer: scorerRole, writer: writerRole },
  params: NaturalReasoningParams,
  defaults: {
    // A getter: the single binary copies its embedded sample out only when a run uses it.
    dataset: {
      get path() {
        return samplePath("natural-reasoning", new URL("./sample.jsonl", import.meta.url));
      },
    },
    output: { path: "out/natural-reasoning.jsonl" },
    max_concurrent_tasks: 256,
    llm: {
      filter: { sampling: { temperature: 0, max_tokens: 4 } },
      scorer: { sampling: { temperature: 0, max_tokens: 128 } },
      writer: { sampling: { temperature: 0.7, top_p: 0.95, max_tokens: 1024 } },
    },
    "natural-reasoning": { text_key: "text", min_score: 3, max_document_chars: 32_000, json_mode: true },
  },
  llms: [...STAGES],
  init(input, params) {
    readDocument(input, params.text_key);
    return initialState();
  },
  route: (msg) => nextRole(readState(msg.state)),
  output: outputRow,
  metrics: naturalReasoningMetrics,
};
