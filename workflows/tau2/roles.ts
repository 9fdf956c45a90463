// The tau2 roles: user simulator, assistant, tool executor and reward.
import { TerminalError } from "../../runtime/errors.ts";
import type { Role } from "../../runtime/workflow.ts";
import { llmTurn, turnText } from "../turns.ts";
import { pendingCalls, readState, TOOLS, userStop, type ToolResult } from "./conversation.ts";
import { loadDomain } from "./domain.ts";
import { executeInProcess, executeInSandbox } from "./execute.ts";
import { judgeAssertions } from "./judge.ts";
import type { Tau2Params } from "./params.ts";
import { assistantMessages, userMessages } from "./prompts.ts";
import { appliedWrites } from "./conversation.ts";
import { checkDb } from "./reward.ts";
import { runnerCommand, TOOLS_POOL } from "./sandboxes.ts";
import { parseTask } from "./task.ts";
import { functionSchemas } from "./toolkit.ts";

/** The customer: one message from the scenario; a stop token ends the conversation. */
export const userRole: Role<Tau2Params> = {
  async handle(msg, ctx) {
    const task = parseTask(msg.input);
    const state = readState(msg.state);
    const res = await ctx.llm("user").chat({ messages: userMessages(task, msg.history, ctx.params) }, { signal: ctx.signal });
    const turn = llmTurn("user", res);
    return { turn, state: { steps: state.steps + 1, termination: userStop(turnText(turn)) } };
  },
};

/** The agent: the domain policy as system prompt, the domain tools as function schemas. */
export const assistantRole: Role<Tau2Params> = {
  async handle(msg, ctx) {
    const task = parseTask(msg.input);
    const domain = loadDomain(ctx.params.domain_dir);
    const res = await ctx.llm("assistant").chat(
      { messages: assistantMessages(domain, task, msg.history, ctx.params), tools: functionSchemas(domain.toolkit) },
      { signal: ctx.signal },
    );
    return { turn: llmTurn("assistant", res), state: { steps: readState(msg.state).steps + 1 } };
  },
};

/** Runs the assistant's tool calls against the task's own database (in process, or in the task's sandbox). */
export const toolsRole: Role<Tau2Params> = {
  async handle(msg, ctx) {
    const task = parseTask(msg.input);
    const domain = loadDomain(ctx.params.domain_dir);
    const calls = pendingCalls(msg.history);
    if (calls.length === 0) throw new TerminalError("bad_route", "the tool executor got an assistant turn without tool calls");
    const started = performance.now();
    let results: ToolResult[];
    if (ctx.params.tools.sandbox === "none") results = executeInProcess(domain, task, msg.history, calls);
    else {
      const sandbox = ctx.sandbox(TOOLS_POOL);
      try {
        results = await executeInSandbox(domain, task, msg.history, calls, {
          sandbox,
          command: await runnerCommand(ctx.params),
          domainDir: domain.dir,
          timeout_s: ctx.params.tools.timeout_s,
        });
      } catch (err) {
        // The message this hop came from does not hold a lease acquired here: give it back now.
        if (sandbox.acquiredHere) await sandbox.release();
        throw err;
      }
    }
    const transferred = results.some((r) => r.ok && r.name === "transfer_to_human_agents");
    return {
      turn: { role: TOOLS, content: results, ms: Math.round(performance.now() - started), ok: results.every((r) => r.ok) },
      state: { steps: readState(msg.state).steps + results.length, ...(transferred ? { termination: "agent_transfer" } : {}) },
    };
  },
};

/** Replays the gold actions on a fresh database and compares; optionally grades the NL assertions. */
export const rewardRole: Role<Tau2Params> = {
  async handle(msg, ctx) {
    const task = parseTask(msg.input);
    const domain = loadDomain(ctx.params.domain_dir);
    const check = checkDb(domain, task, appliedWrites(msg.history, domain.toolkit));
    const assertions = task.evaluation_criteria?.nl_assertions ?? [];
    const judged = ctx.params.judge && assertions.length > 0 ? await judgeAssertions(ctx, task, msg.history, assertions) : null;
    const reward = (check.db_match ? 1 : 0) * (judged === null ? 1 : judged.all_met ? 1 : 0);
    const meta = { reward, db_match: check.db_match, db_diff: check.diff, gold_failures: check.gold_failures, nl_assertions: judged?.results ?? null };
    return {
      turn: { role: "reward", ok: true, meta, ...(judged ? { usage: judged.usage } : {}) },
      state: { termination: readState(msg.state).termination ?? "max_steps" },
    };
  },
};
