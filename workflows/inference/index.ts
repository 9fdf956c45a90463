// Batch inference: one LLM call per dataset row, through the same runtime as the multi-agent workflows.
import { samplePath } from "../samples/paths.ts";
import { SINK } from "../../runtime/message/envelope.ts";
import type { OutputRow, WorkflowDefinition } from "../../runtime/workflow.ts";
import { lastTurnOf, llmTurn } from "../turns.ts";
import { inferenceMetrics } from "./metrics.ts";
import { InferenceParams } from "./params.ts";
import { buildCall, rowId } from "./request.ts";

const ROLE = "infer";

/**
 * `matrix run inference dataset.path=rows.jsonl inference.system_prompt="Be brief."`
 *
 * Rows: `{"request": {"messages": [...]}}` (also `messages` at the top level, or `body.messages` as in OpenAI
 * batch files; a request may carry `tools`, `response_format`, `seed` and sampling keys), or `{"text": "..."}`.
 * Output: `id`, `response`, `finish_reason`, `tool_calls` (when any), `usage`.
 */
export const inference: WorkflowDefinition<InferenceParams> = {
  name: "inference",
  description: "Batch inference: one chat completion per row (messages or text rows), with a system prompt and sampling",
  first: ROLE,
  roles: {
    [ROLE]: {
      async handle(msg, ctx) {
        const call = buildCall(msg.input, ctx.params);
        const res = await ctx.llm("default").chat(call, { signal: ctx.signal });
        return { turn: llmTurn(ROLE, res, { finish_reason: res.finish_reason }) };
      },
    },
  },
  params: InferenceParams,
  defaults: {
    // A getter: the single binary copies its embedded sample out only when a run uses it.
    dataset: {
      get path() {
        return samplePath("inference", new URL("./sample.jsonl", import.meta.url));
      },
    },
    output: { path: "out/inference.jsonl" },
    max_concurrent_tasks: 256,
    llm: { default: { sampling: { temperature: 0.7, top_p: 0.95, max_tokens: 512 } } },
    inference: { text_key: "text", system_prompt: null },
  },
  llms: ["default"],
  init(input, params) {
    buildCall(input, params);
    return {};
  },
  route: () => SINK,
  output(msg): OutputRow {
    const turn = lastTurnOf(msg.history, ROLE);
    const fields: Record<string, unknown> = {};
    const id = rowId(msg.input);
    if (id !== null) fields.id = id;
    fields.response = typeof turn?.content === "string" ? turn.content : null;
    fields.finish_reason = turn?.meta?.finish_reason ?? null;
    if (turn?.tool_calls && turn.tool_calls.length > 0) fields.tool_calls = turn.tool_calls;
    fields.usage = turn?.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
    return { status: "ok", fields };
  },
  metrics: inferenceMetrics,
};
