// Run summary of batch inference: rows, mean tokens, finish reasons.
import type { MetricsReducer } from "../../runtime/workflow.ts";
import { asRecord, ratio, round } from "../turns.ts";

type Tokens = { prompt: number; completion: number };

/**
 * Tokens of a row's `usage`: either one `{prompt_tokens, completion_tokens}` object or one such object per
 * role (the sink's accounting); both are summed the same way.
 */
export function rowTokens(usage: unknown): Tokens {
  const u = asRecord(usage);
  if (!u) return { prompt: 0, completion: 0 };
  if (typeof u.prompt_tokens === "number" || typeof u.completion_tokens === "number") {
    return { prompt: Number(u.prompt_tokens ?? 0), completion: Number(u.completion_tokens ?? 0) };
  }
  const total: Tokens = { prompt: 0, completion: 0 };
  for (const part of Object.values(u)) {
    const t = rowTokens(part);
    total.prompt += t.prompt;
    total.completion += t.completion;
  }
  return total;
}

export function inferenceMetrics(): MetricsReducer {
  let rows = 0;
  let ok = 0;
  let errors = 0;
  let prompt = 0;
  let completion = 0;
  const finish = new Map<string, number>();
  return {
    add(row) {
      rows++;
      if (row.status === "error") {
        errors++;
        return;
      }
      ok++;
      const t = rowTokens(row.usage);
      prompt += t.prompt;
      completion += t.completion;
      const reason = typeof row.finish_reason === "string" ? row.finish_reason : "unknown";
      finish.set(reason, (finish.get(reason) ?? 0) + 1);
    },
    summary() {
      const out: Record<string, number> = {
        rows,
        ok,
        errors,
        mean_prompt_tokens: ok === 0 ? 0 : round(prompt / ok, 1),
        mean_completion_tokens: ok === 0 ? 0 : round(completion / ok, 1),
        length_share: ratio(finish.get("length") ?? 0, ok),
      };
      for (const [reason, n] of [...finish].sort()) out[`finish_${reason}`] = n;
      return out;
    },
  };
}
