// Run summary of tau2: mean reward, pass rate, DB match rate, mean steps, terminations, tokens.
import type { MetricsReducer } from "../../runtime/workflow.ts";
import { ratio, round } from "../turns.ts";
import { TERMINATIONS } from "./conversation.ts";

/** Rows with a reward count toward mean reward and pass rate; error rows count as tasks that did not pass. */
export function tau2Metrics(): MetricsReducer {
  let rows = 0;
  let errors = 0;
  let rewardSum = 0;
  let passed = 0;
  let dbMatch = 0;
  let stepsSum = 0;
  let scored = 0;
  let tokens = 0;
  const reasons = new Map<string, number>(TERMINATIONS.map((r) => [r, 0]));
  return {
    add(row) {
      rows++;
      if (row.status === "error") {
        errors++;
        return;
      }
      if (typeof row.reward === "number") {
        scored++;
        rewardSum += row.reward;
        if (row.reward === 1) passed++;
        if (row.db_match === true) dbMatch++;
      }
      if (typeof row.steps === "number") stepsSum += row.steps;
      const t = row.tokens as { prompt?: number; completion?: number } | undefined;
      tokens += (t?.prompt ?? 0) + (t?.completion ?? 0);
      const r = row.termination_reason;
      if (typeof r === "string" && reasons.has(r)) reasons.set(r, reasons.get(r)! + 1);
    },
    summary() {
      const out: Record<string, number> = {
        rows,
        errors,
        mean_reward: scored === 0 ? 0 : round(rewardSum / scored),
        pass_rate: ratio(passed, rows),
        db_match_rate: ratio(dbMatch, scored),
        mean_steps: scored === 0 ? 0 : round(stepsSum / (rows - errors), 2),
        tokens,
      };
      for (const [r, n] of reasons) out[r] = n;
      return out;
    },
  };
}
