// The tool executor's work for one assistant turn: each call parsed and run, in this process or in a sandbox.
import type { RoleSandbox } from "../../runtime/sandbox/types.ts";
import type { ToolCall } from "../../services/llm/openai.ts";
import { appliedWrites, parseArguments, type ToolResult } from "./conversation.ts";
import type { Domain } from "./domain.ts";
import { taskDb } from "./initial.ts";
import type { RunnerRequest, RunnerReply } from "./runner-protocol.ts";
import type { Tau2Task } from "./task.ts";
import { isWrite, runTool, type ToolInvocation, type ToolOutcome } from "./toolkit.ts";
import type { Turn } from "../../runtime/message/envelope.ts";

function badArguments(call: ToolCall): ToolResult {
  return { tool_call_id: call.id, name: call.function.name, arguments: null, ok: false, content: "Error: the arguments are not a JSON object" };
}

/**
 * Runs the calls in this process: the task's database is rebuilt from its initial state and the writes applied
 * so far (cheap: a copy-on-write view), then each call runs in order.
 */
export function executeInProcess(domain: Domain, task: Tau2Task, history: readonly Turn[], calls: readonly ToolCall[]): ToolResult[] {
  const db = taskDb(domain, task.initial_state, appliedWrites(history, domain.toolkit));
  return calls.map((call) => {
    const args = parseArguments(call);
    if (!args) return badArguments(call);
    const out = runTool(domain.toolkit, db, { name: call.function.name, arguments: args });
    return { tool_call_id: call.id, name: call.function.name, arguments: args, ...out };
  });
}

/** What a sandboxed call needs: the runner command and the paths as the sandbox sees them. */
export type SandboxedTools = {
  sandbox: RoleSandbox;
  /** argv that starts the runner inside the sandbox. */
  command: string[];
  /** The domain folder as seen inside the sandbox. */
  domainDir: string;
  timeout_s: number;
};

/**
 * Runs each call as one exec in the task's sandbox: the runner rebuilds the database from the writes so far
 * (the message carries no database) and prints the outcome. A call past its time limit is killed and returns a
 * timeout error; a runner that crashes returns its exit and the tail of its stderr.
 */
export async function executeInSandbox(domain: Domain, task: Tau2Task, history: readonly Turn[], calls: readonly ToolCall[], t: SandboxedTools): Promise<ToolResult[]> {
  const writes: ToolInvocation[] = appliedWrites(history, domain.toolkit);
  const results: ToolResult[] = [];
  for (const call of calls) {
    const args = parseArguments(call);
    if (!args) {
      results.push(badArguments(call));
      continue;
    }
    const invocation = { name: call.function.name, arguments: args };
    const request: RunnerRequest = { domain_dir: t.domainDir, initial_state: task.initial_state ?? null, writes, call: invocation };
    const r = await t.sandbox.exec(t.command, { stdin: JSON.stringify(request), timeout_s: t.timeout_s });
    let out: ToolOutcome & { timed_out?: boolean };
    if (r.timed_out) out = { ok: false, content: `Error: the tool call timed out after ${t.timeout_s} s and was killed`, timed_out: true };
    else if (r.exit_code !== 0) out = { ok: false, content: `Error: the tool runner failed (exit ${r.exit_code}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}` };
    else {
      try {
        out = JSON.parse(r.stdout) as RunnerReply;
      } catch {
        out = { ok: false, content: `Error: the tool runner printed no result (${r.stdout.slice(-200)})` };
      }
    }
    results.push({ tool_call_id: call.id, name: call.function.name, arguments: args, ...out });
    if (out.ok && isWrite(domain.toolkit, invocation.name)) writes.push(invocation);
  }
  return results;
}
