// Run summary of Coral: agreement rate, agreement-correctness, accuracy, mean turns, tokens.
import type { MetricsReducer } from "../../runtime/workflow.ts";
import { asRecord, ratio, round } from "../turns.ts";

export function coralMetrics(): MetricsReducer {
  let rows = 0;
  let ok = 0;
  let errors = 0;
  let agreedN = 0;
  let agreedCorrect = 0;
  let correct = 0;
  let turns = 0;
  let prompt = 0;
  let completion = 0;
  return {
    add(row) {
      rows++;
      if (row.status === "error") {
        errors++;
        return;
      }
      if (row.status !== "ok") return;
      ok++;
      if (row.agreement === true) {
        agreedN++;
        if (row.correct === true) agreedCorrect++;
      }
      if (row.correct === true) correct++;
      if (typeof row.turns === "number") turns += row.turns;
      const t = asRecord(row.tokens);
      prompt += typeof t?.prompt === "number" ? t.prompt : 0;
      completion += typeof t?.completion === "number" ? t.completion : 0;
    },
    summary() {
      return {
        rows,
        ok,
        errors,
        agreement_rate: ratio(agreedN, ok),
        agreement_correctness: ratio(agreedCorrect, agreedN),
        accuracy: ratio(correct, ok),
        mean_turns: ok === 0 ? 0 : round(turns / ok, 2),
        prompt_tokens: prompt,
        completion_tokens: completion,
        tokens: prompt + completion,
      };
    },
  };
}
