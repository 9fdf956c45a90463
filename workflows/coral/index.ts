// Coral: two peer agents discuss a multiple-choice question turn by turn until they agree or run out of turns.
import { samplePath } from "../samples/paths.ts";
import { SINK, type Envelope } from "../../runtime/message/envelope.ts";
import type { OutputRow, Role, RoleContext, WorkflowDefinition } from "../../runtime/workflow.ts";
import { lastTurnOf, llmTurn, tokenTotals, turnText } from "../turns.ts";
import { agreed, dialogueOf, EXTRACTOR, initialState, isAgent, otherAgent, readState, type CoralState } from "./dialogue.ts";
import { extractAnswer, parseExtractorReply } from "./extract.ts";
import { parseItem } from "./item.ts";
import { coralMetrics } from "./metrics.ts";
import { CoralParams } from "./params.ts";
import { agentMessages, AGENTS, extractorMessages, type Agent } from "./prompts.ts";

/** An agent's hop: one reply to the dialogue so far (and, with the regex extractor, its committed answer). */
function agentRole(me: Agent): Role<CoralParams> {
  return {
    async handle(msg: Envelope, ctx: RoleContext<CoralParams>) {
      const item = parseItem(msg.input);
      const state = readState(msg.state);
      const res = await ctx.llm(me).chat({ messages: agentMessages(item, dialogueOf(msg.history), me) }, { signal: ctx.signal });
      const next: Partial<CoralState> = { turns: state.turns + 1, last: me };
      if (ctx.params.extractor === "llm") return { turn: llmTurn(me, res), state: next };
      const answer = extractAnswer(res.content ?? "", item.options.length);
      return {
        turn: llmTurn(me, res, { answer }),
        state: { ...next, answers: { ...state.answers, [me]: answer } },
      };
    },
  };
}

/** The extractor's hop: reads the answer the last speaker committed to with a small LLM call. */
const extractorRole: Role<CoralParams> = {
  async handle(msg, ctx) {
    const item = parseItem(msg.input);
    const state = readState(msg.state);
    const speaker = state.last;
    if (speaker === null) return { state: {} };
    const said = turnText(lastTurnOf(msg.history, speaker));
    const res = await ctx.llm(EXTRACTOR).chat({ messages: extractorMessages(item, said) }, { signal: ctx.signal });
    const answer = parseExtractorReply(res.content, item.options.length);
    return {
      turn: llmTurn(EXTRACTOR, res, { answer, speaker }),
      state: { answers: { ...state.answers, [speaker]: answer } },
    };
  },
};

/** After an answer is known: stop on agreement or at the turn limit, else the other agent speaks. */
function afterAnswer(state: CoralState, params: CoralParams): string {
  if (agreed(state) || state.turns >= params.max_turns || state.last === null) return SINK;
  return otherAgent(state.last);
}

/**
 * `matrix run coral coral.max_turns=10 coral.extractor=llm llm.agent_a.url=http://gpu1:8000/v1`
 *
 * Rows: `{id, question, options: [2..10 strings], answer: "C", category?}`. Output: `id`, `question`, `gold`,
 * `dialogue: [{speaker, content, answer}]`, `answers`, `agreement`, `agreed_answer`, `correct`, `turns`, `tokens`.
 */
export const coral: WorkflowDefinition<CoralParams> = {
  name: "coral",
  description: "Collaborative reasoning: two peer agents discuss a multiple-choice question until they agree",
  first: AGENTS[0],
  roles: {
    agent_a: agentRole("agent_a"),
    agent_b: agentRole("agent_b"),
    [EXTRACTOR]: extractorRole,
  },
  params: CoralParams,
  defaults: {
    // A getter: the single binary copies its embedded sample out only when a run uses it.
    dataset: {
      get path() {
        return samplePath("coral", new URL("./sample.jsonl", import.meta.url));
      },
    },
    output: { path: "out/coral.jsonl" },
    max_concurrent_tasks: 256,
    llm: {
      agent_a: { sampling: { temperature: 0.7, top_p: 0.9, max_tokens: 1024 } },
      agent_b: { sampling: { temperature: 0.7, top_p: 0.9, max_tokens: 1024 } },
      extractor: { sampling: { temperature: 0, max_tokens: 4 } },
    },
    coral: { max_turns: 20, extractor: "regex" },
  },
  llms: ["agent_a", "agent_b", EXTRACTOR],
  init(input) {
    parseItem(input);
    return initialState();
  },
  route(msg, role, _result, params) {
    if (isAgent(role) && params.extractor === "llm") return EXTRACTOR;
    if (isAgent(role) || role === EXTRACTOR) return afterAnswer(readState(msg.state), params);
    return SINK;
  },
  output(msg): OutputRow {
    const item = parseItem(msg.input);
    const state = readState(msg.state);
    const agreement = agreed(state);
    const agreedAnswer = agreement ? state.answers.agent_a : null;
    const tokens = tokenTotals(msg.history);
    return {
      status: "ok",
      fields: {
        id: item.id,
        question: item.question,
        gold: item.gold,
        dialogue: dialogueOf(msg.history),
        answers: state.answers,
        agreement,
        agreed_answer: agreedAnswer,
        correct: agreedAnswer !== null && agreedAnswer === item.gold,
        turns: state.turns,
        tokens: { prompt: tokens.prompt, completion: tokens.completion },
      },
    };
  },
  metrics: coralMetrics,
};
