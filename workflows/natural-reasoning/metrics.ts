// Run summary of NaturalReasoning: yield, pass rate per stage, counts per termination reason, scores, tokens.
import type { MetricsReducer } from "../../runtime/workflow.ts";
import { asRecord, ratio, round } from "../turns.ts";
import { TERMINATION_REASONS, type TerminationReason } from "./state.ts";

/** Prompt and completion tokens of a row's `usage` (the sink's per-role accounting). */
function usageTokens(usage: unknown): { prompt: number; completion: number } {
  let prompt = 0;
  let completion = 0;
  for (const part of Object.values(asRecord(usage) ?? {})) {
    const u = asRecord(part);
    prompt += typeof u?.prompt_tokens === "number" ? u.prompt_tokens : 0;
    completion += typeof u?.completion_tokens === "number" ? u.completion_tokens : 0;
  }
  return { prompt, completion };
}

/**
 * Pass rates are derived from termination reasons over ok and filtered rows (error rows left the pipeline for
 * another cause): every such row entered the filter, those not rejected there entered the scorer, and so on.
 * Tokens count every row, errors included, since they were spent.
 */
export function naturalReasoningMetrics(): MetricsReducer {
  let rows = 0;
  let ok = 0;
  let filtered = 0;
  let errors = 0;
  let scored = 0;
  let overallSum = 0;
  let prompt = 0;
  let completion = 0;
  const reasons = new Map<TerminationReason, number>(TERMINATION_REASONS.map((r) => [r, 0]));
  return {
    add(row) {
      rows++;
      const t = usageTokens(row.usage);
      prompt += t.prompt;
      completion += t.completion;
      if (row.status === "error") {
        errors++;
        return;
      }
      if (row.status === "ok") ok++;
      else filtered++;
      const reason = row.termination_reason as TerminationReason;
      if (reasons.has(reason)) reasons.set(reason, reasons.get(reason)! + 1);
      const overall = asRecord(row.scores)?.overall;
      if (typeof overall === "number") {
        scored++;
        overallSum += overall;
      }
    },
    summary() {
      const n = (r: TerminationReason) => reasons.get(r) ?? 0;
      const filterIn = ok + filtered;
      const scoreIn = filterIn - n("filter_rejected");
      const writeIn = scoreIn - n("score_unparseable") - n("low_score");
      const out: Record<string, number> = {
        rows,
        ok,
        filtered,
        errors,
        yield: ratio(ok, rows),
        filter_pass_rate: ratio(scoreIn, filterIn),
        score_pass_rate: ratio(writeIn, scoreIn),
        write_pass_rate: ratio(writeIn - n("question_unparseable"), writeIn),
      };
      for (const r of TERMINATION_REASONS) out[r] = n(r);
      out.mean_overall = scored === 0 ? 0 : round(overallSum / scored, 3);
      out.prompt_tokens = prompt;
      out.completion_tokens = completion;
      out.tokens = prompt + completion;
      out.tokens_per_ok = ok === 0 ? 0 : round((prompt + completion) / ok, 1);
      return out;
    },
  };
}
