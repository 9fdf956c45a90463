// tau2: the customer (user simulator), the oracle / perturbed assistant, and the assertion judge.
import { hashString, randomHex, seededRandom } from "../rng.ts";
import { messageText, systemText, type Script, type ScriptRequest } from "../script.ts";
import { approxTokens } from "../text.ts";
import { readSimBlock, TAU2_JUDGE_MARKER, TAU2_ORACLE_CALL_PREFIX, TAU2_USER_MARKER, type Tau2SimPlan, type Tau2SimUser } from "./tau2-markers.ts";

const STOP = "###STOP###";

/** The scenario text between `<scenario>` tags of the user simulator's prompt. */
function scenarioOf(system: string): string {
  return /<scenario>\n?([\s\S]*?)\n?<\/scenario>/.exec(system)?.[1] ?? "";
}

/** The customer's opening request: the reason for the call, or the instructions. */
function opening(scenario: string): string {
  const reason = /Reason for call:\s*([^\n]+)/.exec(scenario)?.[1] ?? /Instructions:\s*([^\n]+)/.exec(scenario)?.[1] ?? scenario;
  return `Hi! ${reason.trim().replace(/^You\b/, "I").slice(0, 600)}`;
}

/**
 * The customer. With a simulation aid block (oracle and perturbed modes) it states its request once and says
 * `###STOP###` after the assistant's next answer; otherwise it talks for 1 to 4 turns (seeded by the scenario).
 */
export const tau2User: Script = {
  name: "tau2-user",
  match: (req) => systemText(req).includes(TAU2_USER_MARKER),
  reply(req) {
    const system = systemText(req);
    const aid = readSimBlock(system) as Tau2SimUser | undefined;
    const own = req.messages.filter((m) => m.role === "assistant").length;
    const scenario = scenarioOf(system);
    const turns = aid ? 1 : 1 + Math.floor(seededRandom(hashString(scenario))() * 4);
    const done = own - (aid?.prior ?? 0) >= turns;
    const content = done ? `Thank you, that is all I needed. ${STOP}` : own === (aid?.prior ?? 0) ? opening(scenario) : "Could you go ahead with that, please?";
    return { content, tokens: approxTokens(content) };
  },
};

/** The planned calls: every gold action (oracle), or with the last write dropped or altered (perturbed). */
export function planCalls(plan: Tau2SimPlan, key: string): Tau2SimPlan["actions"] {
  const actions = plan.actions.map((a) => ({ ...a, arguments: { ...a.arguments } }));
  if (plan.mode !== "perturbed") return actions;
  const at = actions.findLastIndex((a) => a.write);
  if (at < 0) return actions;
  const target = actions[at]!;
  const strings = Object.keys(target.arguments).filter((k) => typeof target.arguments[k] === "string");
  const last = strings[strings.length - 1];
  if (hashString(key) % 2 === 0 || last === undefined) actions.splice(at, 1);
  else target.arguments[last] = `${target.arguments[last] as string} (changed)`;
  return actions;
}

/**
 * The assistant when the system prompt carries the task's gold actions (a simulation aid): one tool call per
 * turn in the gold order, then a closing answer.
 */
export const tau2Assistant: Script = {
  name: "tau2-assistant",
  match: (req) => (req.tools?.length ?? 0) > 0 && readSimBlock(systemText(req)) !== undefined,
  reply(req: ScriptRequest) {
    const block = readSimBlock(systemText(req)) as Tau2SimPlan;
    const calls = planCalls(block, JSON.stringify(block.actions));
    const made = req.messages.reduce(
      (n, m) => n + (m.role === "assistant" ? (m.tool_calls ?? []).filter((c) => c.id.startsWith(TAU2_ORACLE_CALL_PREFIX)).length : 0),
      0,
    );
    const next = calls[made];
    if (next) {
      const args = JSON.stringify(next.arguments);
      return {
        content: null,
        tool_calls: [{ id: `${TAU2_ORACLE_CALL_PREFIX}${made}_${randomHex(req.rng, 12)}`, type: "function", function: { name: next.name, arguments: args } }],
        tokens: approxTokens(next.name + args) + 8,
        finish_reason: "tool_calls",
      };
    }
    const content = calls.length === 0 ? "I am sorry, but there is nothing I can do for this request." : "Your request has been completed. Is there anything else I can help you with?";
    return { content, tokens: approxTokens(content) };
  },
};

/** The judge: every assertion met, as JSON. */
export const tau2Judge: Script = {
  name: "tau2-judge",
  match: (req) => systemText(req).includes(TAU2_JUDGE_MARKER),
  reply(req) {
    const text = req.messages.filter((m) => m.role === "user").map(messageText).join("\n");
    const block = /<assertions>\n?([\s\S]*?)\n?<\/assertions>/.exec(text)?.[1] ?? "";
    const assertions = block.split("\n").map((l) => l.replace(/^- /, "").trim()).filter((l) => l !== "");
    const content = JSON.stringify({ results: assertions.map((a) => ({ assertion: a, met: true, reason: "The conversation shows it." })) });
    return { content, tokens: approxTokens(content) };
  },
};
