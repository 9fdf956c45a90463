// Prompts of the tau2 roles: the assistant (policy + tools), the user simulator (scenario), the judge.
import type { Turn } from "../../runtime/message/envelope.ts";
import type { ChatMessage } from "../../services/llm/openai.ts";
import { simBlock, TAU2_JUDGE_MARKER, TAU2_USER_MARKER } from "../../services/sim/scripts/tau2-markers.ts";
import { ASSISTANT, toolResults, TOOLS, USER } from "./conversation.ts";
import type { Domain } from "./domain.ts";
import type { Tau2Params } from "./params.ts";
import { goldActions, type HistoryMessage, type Tau2Task } from "./task.ts";
import { isWrite } from "./toolkit.ts";

/** The assistant's first message when a task has no history of its own (as in the reference). */
export const GREETING = "Hi! How can I help you today?";

const USER_GUIDELINES = `${TAU2_USER_MARKER}
Follow the scenario below. Reveal information only when it is asked for and only what the scenario gives you; never
make up details. Write one short message at a time, as a customer would. When your goal is reached, or cannot be
reached, end the conversation with the token ###STOP###. If you are transferred to a human agent, reply with
###TRANSFER###. If the scenario does not tell you what to do next, reply with ###OUT-OF-SCOPE###.`;

/** The scenario text of a task (what the user simulator plays). */
export function scenarioText(task: Tau2Task): string {
  const s = task.user_scenario;
  const lines: string[] = [];
  if (s.persona) lines.push(`Persona: ${s.persona}`);
  const ins = s.instructions;
  if (typeof ins === "string") lines.push(`Instructions: ${ins}`);
  else {
    if (ins.domain) lines.push(`Domain: ${ins.domain}`);
    if (ins.reason_for_call) lines.push(`Reason for call: ${ins.reason_for_call}`);
    if (ins.known_info) lines.push(`Known info: ${ins.known_info}`);
    if (ins.unknown_info) lines.push(`Unknown info: ${ins.unknown_info}`);
    if (ins.task_instructions) lines.push(`Task instructions: ${ins.task_instructions}`);
  }
  return lines.join("\n");
}

function historyOf(task: Tau2Task): HistoryMessage[] {
  return task.initial_state?.message_history ?? [];
}

/** The conversation as the assistant sees it: pre-existing history (or the greeting), then every turn. */
function assistantView(task: Tau2Task, history: readonly Turn[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  const prior = historyOf(task);
  if (prior.length === 0) out.push({ role: "assistant", content: GREETING });
  for (const m of prior) {
    if (m.role === "tool") out.push({ role: "tool", tool_call_id: m.id ?? "", content: m.content ?? "" });
    else if (m.role === "user") out.push({ role: "user", content: m.content ?? "" });
    else {
      const calls = (m.tool_calls ?? []).map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
      out.push(calls.length > 0 ? { role: "assistant", content: m.content ?? null, tool_calls: calls } : { role: "assistant", content: m.content ?? "" });
    }
  }
  for (const t of history) {
    if (t.role === USER) out.push({ role: "user", content: String(t.content ?? "") });
    else if (t.role === ASSISTANT) {
      const calls = (t.tool_calls ?? []) as NonNullable<ChatMessage["tool_calls"]>;
      out.push(calls.length > 0 ? { role: "assistant", content: (t.content as string | null) ?? null, tool_calls: calls } : { role: "assistant", content: String(t.content ?? "") });
    } else if (t.role === TOOLS) {
      for (const r of toolResults(t)) out.push({ role: "tool", tool_call_id: r.tool_call_id, content: r.content });
    }
  }
  return out;
}

/** The assistant's chat: the domain policy as system prompt (plus the simulation aid block when asked for). */
export function assistantMessages(domain: Domain, task: Tau2Task, history: readonly Turn[], params: Tau2Params): ChatMessage[] {
  let system = domain.policy;
  if (params.sim_mode !== "off") {
    const actions = goldActions(task)
      .filter((a) => a.requestor !== "user")
      .map((a) => ({ name: a.name, arguments: a.arguments, write: isWrite(domain.toolkit, a.name) }));
    system += `\n\n${simBlock({ mode: params.sim_mode, actions })}`;
  }
  return [{ role: "system", content: system }, ...assistantView(task, history)];
}

/**
 * The user simulator's chat: guidelines and scenario as system prompt, then the conversation with roles swapped
 * (the assistant's text is what the customer reads; tool traffic is invisible to the customer).
 */
export function userMessages(task: Tau2Task, history: readonly Turn[], params: Tau2Params): ChatMessage[] {
  let system = `${USER_GUIDELINES}\n\n<scenario>\n${scenarioText(task)}\n</scenario>`;
  const prior = historyOf(task);
  if (params.sim_mode !== "off") system += `\n\n${simBlock({ mode: params.sim_mode, prior: prior.filter((m) => m.role === "user").length })}`;
  const out: ChatMessage[] = [{ role: "system", content: system }];
  for (const m of assistantView(task, history)) {
    if (m.role === "user") out.push({ role: "assistant", content: m.content ?? "" });
    else if (m.role === "assistant" && typeof m.content === "string" && m.content !== "") out.push({ role: "user", content: m.content });
  }
  return out;
}

/** A plain transcript of the conversation (for the judge and for the output row). */
export function transcript(task: Tau2Task, history: readonly Turn[]): ChatMessage[] {
  return assistantView(task, history);
}

/** The judge's chat: the transcript and the assertions, asking for JSON verdicts. */
export function judgeMessages(task: Tau2Task, history: readonly Turn[], assertions: readonly string[]): ChatMessage[] {
  const lines = transcript(task, history)
    .filter((m) => m.role === "user" || (m.role === "assistant" && typeof m.content === "string" && m.content !== ""))
    .map((m) => `${m.role}: ${m.content as string}`);
  return [
    {
      role: "system",
      content: `${TAU2_JUDGE_MARKER} For each assertion decide whether the conversation meets it. Reply with JSON only: {"results": [{"assertion": "...", "met": true, "reason": "..."}]}, one entry per assertion, in order.`,
    },
    { role: "user", content: `<conversation>\n${lines.join("\n")}\n</conversation>\n<assertions>\n${assertions.map((a) => `- ${a}`).join("\n")}\n</assertions>` },
  ];
}
