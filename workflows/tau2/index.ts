// tau2: a user simulator and a tool-using assistant talk under a domain policy; a reward replays the gold actions.
import { SINK, type Envelope } from "../../runtime/message/envelope.ts";
import type { OutputRow, RoleResult, WorkflowDefinition } from "../../runtime/workflow.ts";
import { lastTurnOf, tokenTotals } from "../turns.ts";
import { ASSISTANT, readState, REWARD, TOOLS, toolResults, USER } from "./conversation.ts";
import { tau2Metrics } from "./metrics.ts";
import { DEFAULT_DOMAIN_DIR, Tau2Params } from "./params.ts";
import { transcript } from "./prompts.ts";
import { assistantRole, rewardRole, toolsRole, userRole } from "./roles.ts";
import { tau2Sandboxes } from "./sandboxes.ts";
import { parseTask } from "./task.ts";

function afterTurn(msg: Envelope, role: string, result: RoleResult, params: Tau2Params): string {
  const state = readState(msg.state);
  if (role === REWARD) return SINK;
  if (state.termination !== null || state.steps >= params.max_steps) return REWARD;
  if (role === USER) return ASSISTANT;
  if (role === ASSISTANT) return (result.turn?.tool_calls?.length ?? 0) > 0 ? TOOLS : USER;
  return ASSISTANT;
}

/**
 * `matrix run tau2 tau2.tools.sandbox=bubblewrap tau2.sim_mode=oracle`
 *
 * Rows: tau2 task records (a domain's `tasks.json`, read as a JSON-array dataset). Output: `id`, `domain`,
 * `messages`, `tool_calls` (with results), `reward`, `db_match`, `db_diff`, `nl_assertions`, `steps`, `tokens`,
 * and `termination_reason` (user_stop, user_transfer, user_out_of_scope, agent_transfer, max_steps).
 */
export const tau2: WorkflowDefinition<Tau2Params> = {
  name: "tau2",
  description: "Tau2-bench tool-use conversations: user simulator, assistant with domain tools, tool executor, DB reward",
  first: USER,
  roles: { [USER]: userRole, [ASSISTANT]: assistantRole, [TOOLS]: toolsRole, [REWARD]: rewardRole },
  params: Tau2Params,
  defaults: {
    dataset: { path: `${DEFAULT_DOMAIN_DIR}/tasks.json` },
    output: { path: "out/tau2.jsonl" },
    max_concurrent_tasks: 64,
    llm: {
      user: { sampling: { temperature: 0, max_tokens: 512 } },
      assistant: { sampling: { temperature: 0, max_tokens: 1024 } },
      judge: { sampling: { temperature: 0, max_tokens: 1024 } },
    },
  },
  llms: [USER, ASSISTANT, "judge"],
  init(input) {
    parseTask(input);
    return { steps: 0, termination: null };
  },
  route: afterTurn,
  output(msg, params): OutputRow {
    const task = parseTask(msg.input);
    const reward = lastTurnOf(msg.history, REWARD)?.meta ?? {};
    const tokens = tokenTotals(msg.history);
    const state = readState(msg.state);
    return {
      status: "ok",
      reason: state.termination ?? "max_steps",
      fields: {
        id: String(task.id),
        domain: params.domain_dir.split("/").filter(Boolean).pop() ?? "",
        messages: transcript(task, msg.history),
        tool_calls: msg.history.flatMap((t) => toolResults(t)).map((r) => ({ name: r.name, arguments: r.arguments, ok: r.ok, result: r.content, ...(r.timed_out ? { timed_out: true } : {}) })),
        reward: reward.reward ?? 0,
        db_match: reward.db_match ?? false,
        db_diff: reward.db_diff ?? [],
        gold_failures: reward.gold_failures ?? [],
        nl_assertions: reward.nl_assertions ?? null,
        steps: state.steps,
        tokens: { prompt: tokens.prompt, completion: tokens.completion },
        sim_mode: params.sim_mode,
      },
    };
  },
  metrics: tau2Metrics,
  sandboxes: tau2Sandboxes,
};
