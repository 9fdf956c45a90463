// One hop of a task run in-process, as the baselines run them: the role's handler, then the workflow's route.
import { ensureError } from "../../runtime/errors.ts";
import { silentLogger } from "../../runtime/log.ts";
import { SINK, type Envelope } from "../../runtime/message/envelope.ts";
import type { RunResources } from "../../runtime/modes/resources.ts";
import { noSandbox } from "../../runtime/sandbox/role.ts";
import type { WorkflowDefinition } from "../../runtime/workflow.ts";

/**
 * Runs `msg`'s next role in this process with the same workflow code and LLM resources as `matrix run`, appends
 * the turn, merges the state and routes; a failure sends the task to the sink with its error. No bus, no
 * offloading: the baselines measure scheduling, not transport.
 */
export async function stepHop(wf: WorkflowDefinition, msg: Envelope, params: Record<string, unknown>, resources: RunResources): Promise<void> {
  const role = msg.next;
  const signal = new AbortController().signal;
  try {
    const result = await wf.roles[role]!.handle(msg, {
      llm: (name) => resources.forHop(name, role, msg, signal),
      sandbox: noSandbox,
      signal,
      heartbeat: () => {},
      log: silentLogger,
      resolve: async () => {
        throw new Error("the baselines do not offload");
      },
      params,
      role,
    });
    if (result.turn) msg.history.push(result.turn);
    if (result.state) Object.assign(msg.state, result.state);
    msg.next = wf.route(msg, role, result, params);
  } catch (raw) {
    const err = ensureError(raw);
    msg.error = { code: err.code, message: err.message, role };
    msg.next = SINK;
  }
  msg.hop++;
}
