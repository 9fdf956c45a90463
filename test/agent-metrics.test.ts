// The agent's Prometheus metrics: hop counts by outcome, token counts, latency histogram, in-flight gauge.
import { describe, expect, it } from "vitest";
import { createAgentMetrics } from "../runtime/modes/agent-metrics.ts";

const value = (text: string, line: string) => {
  const m = text.split("\n").find((l) => l.startsWith(`${line} `));
  return m === undefined ? undefined : Number(m.slice(line.length + 1));
};

describe("agent metrics", () => {
  it("counts hops by workflow, role and outcome, and tokens by kind, cumulatively across scrapes", async () => {
    let inFlight = 7;
    const m = createAgentMetrics(() => inFlight);
    const usage = { prompt_tokens: 100, completion_tokens: 20 };
    m.onHop({ workflow: "coral", role: "teacher", outcome: "ok", ms: 30, usage });
    m.onHop({ workflow: "coral", role: "teacher", outcome: "ok", ms: 2_000, usage });
    m.onHop({ workflow: "coral", role: "student", outcome: "retry", ms: 5, code: "llm_timeout" });
    m.onHop({ workflow: "coral", role: "student", outcome: "rejected", ms: 0 });
    m.onHop({ workflow: "inference", role: "solver", outcome: "error", ms: 1, code: "bad_route" });
    const first = await m.registry.metrics();
    expect(value(first, 'matrix_agent_messages_total{workflow="coral",role="teacher",outcome="ok"}')).toBe(2);
    expect(value(first, 'matrix_agent_messages_total{workflow="coral",role="student",outcome="retry"}')).toBe(1);
    expect(value(first, 'matrix_agent_messages_total{workflow="coral",role="student",outcome="rejected"}')).toBe(1);
    expect(value(first, 'matrix_agent_messages_total{workflow="inference",role="solver",outcome="error"}')).toBe(1);
    expect(value(first, 'matrix_agent_messages_total{workflow="coral",role="teacher",outcome="error"}')).toBeUndefined();
    expect(value(first, 'matrix_agent_llm_tokens_total{workflow="coral",role="teacher",kind="prompt"}')).toBe(200);
    expect(value(first, 'matrix_agent_llm_tokens_total{workflow="coral",role="teacher",kind="completion"}')).toBe(40);
    // Rejected hops have no handler time: 2 teacher hops, 1 student (the retry).
    expect(value(first, 'matrix_agent_handler_seconds_count{workflow="coral",role="teacher"}')).toBe(2);
    expect(value(first, 'matrix_agent_handler_seconds_bucket{le="0.05",workflow="coral",role="teacher"}')).toBe(1);
    expect(value(first, 'matrix_agent_handler_seconds_count{workflow="coral",role="student"}')).toBe(1);
    expect(value(first, "matrix_agent_in_flight")).toBe(7);

    // A second scrape reports the same totals, and later hops add to them.
    expect(await m.registry.metrics()).toBe(first);
    inFlight = 3;
    m.onHop({ workflow: "coral", role: "teacher", outcome: "ok", ms: 10, usage });
    const second = await m.registry.metrics();
    expect(value(second, 'matrix_agent_messages_total{workflow="coral",role="teacher",outcome="ok"}')).toBe(3);
    expect(value(second, 'matrix_agent_llm_tokens_total{workflow="coral",role="teacher",kind="prompt"}')).toBe(300);
    expect(value(second, "matrix_agent_in_flight")).toBe(3);
  });
});
