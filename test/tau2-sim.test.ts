// The simulated LLM's tau2 scripts: the oracle plan, the perturbation, the customer's stop, the judge's JSON.
import { describe, expect, it } from "vitest";
import { SimEngine } from "../services/sim/engine.ts";
import { compileSimOptions } from "../services/sim/options.ts";
import { planCalls } from "../services/sim/scripts/tau2.ts";
import { simBlock, TAU2_JUDGE_MARKER, TAU2_USER_MARKER, type Tau2SimPlan } from "../services/sim/scripts/tau2-markers.ts";
import { chat } from "./sim-helpers.ts";

const plan: Tau2SimPlan = {
  mode: "oracle",
  actions: [
    { name: "find_user_id_by_email", arguments: { email: "a@b.c" }, write: false },
    { name: "cancel_pending_order", arguments: { order_id: "#W1", reason: "no longer needed" }, write: true },
    { name: "get_order_details", arguments: { order_id: "#W1" }, write: false },
  ],
};
const tools = [{ type: "function", function: { name: "cancel_pending_order", parameters: { type: "object", properties: {} } } }];

describe("tau2 sim scripts", () => {
  it("tau2 sim - oracle keeps every action; perturbed drops or alters the last write, the same way for the same task", () => {
    expect(planCalls(plan, "k")).toEqual(plan.actions);
    const perturbed = { ...plan, mode: "perturbed" as const };
    const outcomes = new Set<string>();
    for (const key of ["a", "b", "c", "d", "e", "f"]) {
      const calls = planCalls(perturbed, key);
      expect(planCalls(perturbed, key)).toEqual(calls);
      if (calls.length === 2) outcomes.add("dropped");
      else {
        expect(calls[1]!.arguments).toEqual({ order_id: "#W1", reason: "no longer needed (changed)" });
        outcomes.add("altered");
      }
    }
    expect(outcomes).toEqual(new Set(["dropped", "altered"]));
  });

  it("tau2 sim - the oracle assistant calls the gold actions one per turn, then answers; the customer stops after it", async () => {
    const engine = new SimEngine(compileSimOptions({ time_scale: 1000 }));
    try {
      const system = { role: "system", content: `policy\n\n${simBlock(plan)}` };
      const messages: Array<Record<string, unknown>> = [system, { role: "user", content: "hi" }];
      const names: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await chat(engine, { model: "sim", messages, tools });
        const m = r.choices[0]!.message;
        if (!m.tool_calls) {
          expect(m.content).toContain("completed");
          break;
        }
        names.push(m.tool_calls[0]!.function.name);
        messages.push({ role: "assistant", content: null, tool_calls: m.tool_calls }, { role: "tool", tool_call_id: m.tool_calls[0]!.id, content: "ok" });
      }
      expect(names).toEqual(plan.actions.map((a) => a.name));
      const user = { role: "system", content: `${TAU2_USER_MARKER}\n<scenario>\nReason for call: You want to cancel order #W1.\n</scenario>\n\n${simBlock({ mode: "oracle", prior: 0 })}` };
      const first = await chat(engine, { model: "sim", messages: [user, { role: "user", content: "Hi! How can I help you today?" }] });
      expect(first.choices[0]!.message.content).toBe("Hi! I want to cancel order #W1.");
      const second = await chat(engine, { model: "sim", messages: [user, { role: "user", content: "Hi!" }, { role: "assistant", content: "cancel" }, { role: "user", content: "Done." }] });
      expect(second.choices[0]!.message.content).toContain("###STOP###");
      const judged = await chat(engine, { model: "sim", messages: [{ role: "system", content: TAU2_JUDGE_MARKER }, { role: "user", content: "<assertions>\n- it was polite\n</assertions>" }] });
      expect(JSON.parse(judged.choices[0]!.message.content!)).toEqual({ results: [{ assertion: "it was polite", met: true, reason: "The conversation shows it." }] });
    } finally {
      await engine.close();
    }
  });
});
