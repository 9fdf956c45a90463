// A tau2 task record (one element of a domain's tasks.json; one dataset row), as the workflow reads it.
import * as v from "valibot";
import { TerminalError } from "../../runtime/errors.ts";

/** A gold tool call of the evaluation criteria. */
export const GoldAction = v.looseObject({
  action_id: v.optional(v.string()),
  name: v.string(),
  arguments: v.record(v.string(), v.unknown()),
  requestor: v.optional(v.string()),
});
export type GoldAction = v.InferOutput<typeof GoldAction>;

const HistoryToolCall = v.looseObject({ id: v.string(), name: v.string(), arguments: v.record(v.string(), v.unknown()) });

/** A message of a task's pre-existing conversation (`initial_state.message_history`). */
export const HistoryMessage = v.looseObject({
  role: v.picklist(["user", "assistant", "tool"]),
  content: v.nullish(v.string()),
  tool_calls: v.nullish(v.array(HistoryToolCall)),
  id: v.nullish(v.string()),
});
export type HistoryMessage = v.InferOutput<typeof HistoryMessage>;

/** An environment call made before the conversation or checked after it. */
export const EnvCall = v.looseObject({
  env_type: v.string(),
  func_name: v.string(),
  arguments: v.record(v.string(), v.unknown()),
  assert_value: v.optional(v.boolean()),
});
export type EnvCall = v.InferOutput<typeof EnvCall>;

export const InitialState = v.looseObject({
  initialization_data: v.nullish(v.looseObject({ agent_data: v.nullish(v.record(v.string(), v.unknown())) })),
  initialization_actions: v.nullish(v.array(EnvCall)),
  message_history: v.nullish(v.array(HistoryMessage)),
});
export type InitialState = v.InferOutput<typeof InitialState>;

const Instructions = v.union([
  v.string(),
  v.looseObject({
    task_instructions: v.nullish(v.string()),
    domain: v.nullish(v.string()),
    reason_for_call: v.nullish(v.string()),
    known_info: v.nullish(v.string()),
    unknown_info: v.nullish(v.string()),
  }),
]);

export const Tau2Task = v.looseObject({
  id: v.union([v.string(), v.number()]),
  user_scenario: v.looseObject({ persona: v.nullish(v.string()), instructions: Instructions }),
  initial_state: v.nullish(InitialState),
  evaluation_criteria: v.nullish(
    v.looseObject({
      actions: v.nullish(v.array(GoldAction)),
      communicate_info: v.nullish(v.array(v.string())),
      nl_assertions: v.nullish(v.array(v.string())),
      env_assertions: v.nullish(v.array(EnvCall)),
      reward_basis: v.nullish(v.array(v.string())),
    }),
  ),
});
export type Tau2Task = v.InferOutput<typeof Tau2Task>;

const parse = v.safeParser(Tau2Task);

/** Reads a dataset row as a tau2 task; a row that is not one is a terminal `bad_input` error. */
export function parseTask(input: unknown): Tau2Task {
  const r = parse(input);
  if (!r.success) {
    const issue = r.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    throw new TerminalError("bad_input", `not a tau2 task: ${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`);
  }
  return r.output;
}

/** The gold tool calls of a task (empty when it has none). */
export function goldActions(task: Tau2Task): GoldAction[] {
  return task.evaluation_criteria?.actions ?? [];
}
