// Fixtures for workflow unit tests: canned LLM replies, a hand-built RoleContext, and a pure hop loop.
import { noSandbox } from "../runtime/sandbox/role.ts";
import { silentLogger } from "../runtime/log.ts";
import { SINK, type Envelope } from "../runtime/message/envelope.ts";
import { buildRow } from "../runtime/sink.ts";
import { newEnvelope } from "../runtime/source.ts";
import * as v from "valibot";
import type { Role, RoleContext, RoleResult, WorkflowDefinition } from "../runtime/workflow.ts";
import type { ChatCall, ChatResult } from "../services/llm/types.ts";

/**
 * A workflow of one role whose handler is given: every hop of it goes to `next` (the sink unless set), every row
 * is ok. For host and bus tests, where the workflow is not what is tested.
 */
export function oneRoleWorkflow(opts: { name: string; role?: string; next?: string; handle: Role["handle"] }): WorkflowDefinition {
  const role = opts.role ?? "worker";
  const next = opts.next ?? SINK;
  return {
    name: opts.name,
    description: "test",
    first: role,
    roles: { [role]: { handle: opts.handle } },
    params: v.object({}),
    defaults: {},
    llms: [],
    init: () => ({}),
    route: () => next,
    output: () => ({ status: "ok", fields: {} }),
    metrics: () => ({ add() {}, summary: () => ({}) }),
  };
}

/** A chat result with the given content and token usage. */
export function reply(content: string | null, usage = { prompt_tokens: 20, completion_tokens: 5 }): ChatResult {
  return { content, tool_calls: [], finish_reason: "stop", usage: { ...usage }, ms: 3, url: "test://llm", attempts: 1 };
}

/** Answers a call to LLM resource `name`; `n` counts earlier calls to the same resource. */
export type Responder = (name: string, call: ChatCall, n: number) => ChatResult | string | null;

export type RecordedCall = { name: string; role: string; call: ChatCall };

/** A RoleContext whose `llm(name).chat` asks `respond`, recording every call in `calls`. */
export function fakeContext<P>(params: P, respond: Responder, role = "test", calls: RecordedCall[] = []): RoleContext<P> {
  const counts = new Map<string, number>();
  return {
    llm: (name) => ({
      name,
      model: "test",
      chat: async (call) => {
        const n = counts.get(name) ?? 0;
        counts.set(name, n + 1);
        calls.push({ name, role, call });
        const r = respond(name, call, n);
        return typeof r === "string" || r === null ? reply(r) : r;
      },
    }),
    signal: new AbortController().signal,
    sandbox: noSandbox,
    heartbeat() {},
    log: silentLogger,
    resolve: async () => {
      throw new Error("no offloaded values in unit tests");
    },
    params,
    role,
  };
}

/** A new task's envelope for `input` with the workflow's initial state. */
export function taskFor<P>(wf: WorkflowDefinition<P>, input: unknown, params: P, seed = 7): Envelope {
  return newEnvelope({ run: "r1", workflow: wf.name, task: "t:0", trial: 0, seed, first: wf.first, input, state: wf.init(input, params) });
}

/** Applies a handler's result the way the agent host does: history, state, then the route. */
export function applyHop<P>(wf: WorkflowDefinition<P>, msg: Envelope, role: string, result: RoleResult, params: P): string {
  if (result.turn) msg.history.push(result.turn);
  if (result.state) Object.assign(msg.state, result.state);
  msg.next = wf.route(msg, role, result, params);
  msg.hop++;
  return msg.next;
}

export type TaskRun = { msg: Envelope; roles: string[]; calls: RecordedCall[]; row: Record<string, unknown> };

/**
 * Runs one task through a workflow's roles with canned replies, as the host and sink would, and returns the
 * output row. Stops with an error after `maxHops` to catch routing loops.
 */
export async function runTask<P>(wf: WorkflowDefinition<P>, params: P, input: unknown, respond: Responder, maxHops = 100): Promise<TaskRun> {
  const msg = taskFor(wf, input, params);
  const roles: string[] = [];
  const calls: RecordedCall[] = [];
  const counts = new Map<string, number>();
  // One responder counter per run, shared across hops (a fresh context per hop, as in the host).
  const shared: Responder = (name, call) => {
    const n = counts.get(name) ?? 0;
    counts.set(name, n + 1);
    return respond(name, call, n);
  };
  while (msg.next !== SINK) {
    if (roles.length >= maxHops) throw new Error(`no sink after ${maxHops} hops: ${roles.join(" > ")}`);
    const role = msg.next;
    const handler = wf.roles[role];
    if (!handler) throw new Error(`route returned unknown role ${role}`);
    roles.push(role);
    const result = await handler.handle(msg, fakeContext(params, shared, role, calls));
    applyHop(wf, msg, role, result, params);
  }
  return { msg, roles, calls, row: buildRow(msg, wf as WorkflowDefinition, params as Record<string, unknown>, false) };
}

/** The text of the last user message of a call. */
export function lastUser(call: ChatCall): string {
  const m = [...call.messages].reverse().find((x) => x.role === "user");
  return typeof m?.content === "string" ? m.content : "";
}

/** The system prompt of a call. */
export function systemOf(call: ChatCall): string {
  const m = call.messages.find((x) => x.role === "system");
  return typeof m?.content === "string" ? m.content : "";
}
