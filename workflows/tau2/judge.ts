// The optional LLM judge of a task's natural-language assertions.
import type { Turn, Usage } from "../../runtime/message/envelope.ts";
import type { RoleContext } from "../../runtime/workflow.ts";
import type { Tau2Params } from "./params.ts";
import { judgeMessages } from "./prompts.ts";
import type { Tau2Task } from "./task.ts";

export type AssertionVerdict = { assertion: string; met: boolean; reason: string };

/** Verdicts from the judge's JSON reply; a missing or unreadable verdict counts as not met. */
export function parseVerdicts(text: string | null, assertions: readonly string[]): AssertionVerdict[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse((text ?? "").replace(/^```(?:json)?\s*|\s*```$/g, ""));
  } catch {
    parsed = null;
  }
  const list = (parsed as { results?: unknown } | null)?.results;
  return assertions.map((assertion, i) => {
    const r = Array.isArray(list) ? (list[i] as { met?: unknown; reason?: unknown } | undefined) : undefined;
    return { assertion, met: r?.met === true, reason: typeof r?.reason === "string" ? r.reason : r ? "" : "no verdict" };
  });
}

/** Asks `llm.judge` about every assertion. */
export async function judgeAssertions(
  ctx: RoleContext<Tau2Params>,
  task: Tau2Task,
  history: readonly Turn[],
  assertions: readonly string[],
): Promise<{ results: AssertionVerdict[]; all_met: boolean; usage: Usage }> {
  const res = await ctx.llm("judge").chat({ messages: judgeMessages(task, history, assertions) }, { signal: ctx.signal });
  const results = parseVerdicts(res.content, assertions);
  return { results, all_met: results.every((r) => r.met), usage: res.usage };
}
