// Tests of the simulated LLM's scripted content, driven by the workflows' own prompts.
import { afterEach, describe, expect, it } from "vitest";
import type { SimEngine } from "../services/sim/engine.ts";
import { agentMessages, extractorMessages, type DialogueTurn } from "../workflows/coral/prompts.ts";
import { extractAnswer, parseExtractorReply } from "../workflows/coral/extract.ts";
import type { CoralItem } from "../workflows/coral/item.ts";
import { filterMessages, scorerMessages, writerMessages } from "../workflows/natural-reasoning/prompts.ts";
import { parseQuestion, parseScores, parseVerdict } from "../workflows/natural-reasoning/parse.ts";
import { chat, chatBody, testEngine } from "./sim-helpers.ts";

const opened: SimEngine[] = [];
afterEach(async () => {
  for (const e of opened.splice(0)) await e.close();
});

const arithmetic: CoralItem = { id: 1, question: "What is 17 * 23?", options: ["371", "391", "401", "381"], gold: "B", category: "math" };
const history: CoralItem = {
  id: 2,
  question: "Which river flows through Vienna?",
  options: ["Rhine", "Danube", "Elbe", "Oder", "Po"],
  gold: "B",
  category: "geography",
};

const REASONING_DOC =
  "Ice floats because it is less dense than liquid water. Since water expands as it freezes, the solid takes more " +
  "volume; therefore lakes freeze from the top down, which means fish survive the winter below. As a result the " +
  "ecosystem persists, and consequently the seasons shape life in the lake.";
const LIST_DOC = "Home | Products | Contact us | Shop now | Free shipping on orders over $50 | Login | Cart";
const NON_ASCII_DOC = "Лёд плавает, потому что он менее плотный, чем вода; поэтому озёра замерзают сверху, because therefore.";

async function content(e: SimEngine, messages: Parameters<typeof chatBody>[0], seed: number, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await chat(e, chatBody(messages, { seed, ...extra }));
  return r.choices[0]!.message.content ?? "";
}

describe("sim scripts", () => {
  it("sim scripts - coral agent answers simple arithmetic correctly about 70% of the time", async () => {
    const e = testEngine({ max_num_seqs: 512 }, opened);
    const replies = await Promise.all(Array.from({ length: 200 }, (_, s) => content(e, agentMessages(arithmetic, [], "agent_a"), s)));
    const answers = replies.map((r) => extractAnswer(r, 4));
    const right = answers.filter((a) => a === "B").length / answers.length;
    expect(right).toBeGreaterThan(0.62);
    expect(right).toBeLessThan(0.9);
    const omitted = answers.filter((a) => a === null).length;
    expect(omitted).toBeGreaterThan(0);
    expect(omitted).toBeLessThan(25);
    const committed = replies.filter((r) => /Therefore, the answer is \([A-D]\)\.$/.test(r));
    expect(committed.length).toBe(200 - omitted);
  });

  it("sim scripts - coral agent pads its reasoning to the sampled length", async () => {
    const e = testEngine({ output_len: { dist: "fixed", value: 300 } }, opened);
    const r = await chat(e, chatBody(agentMessages(history, [], "agent_a"), { seed: 1 }));
    expect(r.usage.completion_tokens).toBeGreaterThanOrEqual(299);
    expect(r.usage.completion_tokens).toBeLessThanOrEqual(301);
  });

  it("sim scripts - coral agents keep an agreed answer and switch more often as turns go by", async () => {
    const e = testEngine({ max_num_seqs: 512 }, opened);
    const turn = (speaker: DialogueTurn["speaker"], letter: string): DialogueTurn => ({
      speaker,
      content: `Some reasoning. Therefore, the answer is (${letter}).`,
      answer: letter,
    });
    // agent_a said B, agent_b said B: agent_a keeps B.
    const agreed = [turn("agent_a", "B"), turn("agent_b", "B")];
    const kept = await Promise.all(Array.from({ length: 40 }, (_, s) => content(e, agentMessages(history, agreed, "agent_a"), s)));
    expect(kept.map((r) => extractAnswer(r, 5)).filter((a) => a !== null).every((a) => a === "B")).toBe(true);

    const switchRate = async (rounds: number) => {
      const d: DialogueTurn[] = [];
      for (let i = 0; i < rounds; i++) d.push(turn("agent_a", "A"), turn("agent_b", "C"));
      const rs = await Promise.all(Array.from({ length: 200 }, (_, s) => content(e, agentMessages(history, d, "agent_a"), s)));
      const answers = rs.map((r) => extractAnswer(r, 5));
      expect(answers.every((a) => a === null || a === "A" || a === "C")).toBe(true);
      return answers.filter((a) => a === "C").length / answers.length;
    };
    const early = await switchRate(1);
    const late = await switchRate(4);
    expect(early).toBeGreaterThan(0.05);
    expect(late).toBeGreaterThan(early);
  });

  it("sim scripts - coral extractor replies with the committed letter or NONE", async () => {
    const e = testEngine({}, opened);
    const yes = await chat(e, chatBody(extractorMessages(history, "I think so. Therefore, the answer is (D).")));
    expect(yes.choices[0]!.message.content).toBe("D");
    expect(yes.usage.completion_tokens).toBe(1);
    expect(parseExtractorReply(yes.choices[0]!.message.content, 5)).toBe("D");
    const none = await chat(e, chatBody(extractorMessages(history, "I need more time to think.")));
    expect(none.choices[0]!.message.content).toBe("NONE");
    expect(none.usage.completion_tokens).toBeLessThanOrEqual(2);
  });

  it("sim scripts - natural-reasoning filter says yes to reasoning in English, no otherwise, with a few flips", async () => {
    const e = testEngine({ max_num_seqs: 512 }, opened);
    const verdicts = async (doc: string) =>
      Promise.all(Array.from({ length: 200 }, (_, s) => chat(e, chatBody(filterMessages(doc, 4000), { seed: s, max_tokens: 2 }))));
    const rich = await verdicts(REASONING_DOC);
    expect(rich.every((r) => r.usage.completion_tokens === 1)).toBe(true);
    const yesRate = rich.filter((r) => parseVerdict(r.choices[0]!.message.content) === "yes").length / 200;
    expect(yesRate).toBeGreaterThan(0.88);
    expect(yesRate).toBeLessThan(1);
    for (const doc of [LIST_DOC, NON_ASCII_DOC]) {
      const rs = await verdicts(doc);
      const rate = rs.filter((r) => parseVerdict(r.choices[0]!.message.content) === "yes").length / 200;
      expect(rate).toBeLessThan(0.12);
    }
  });

  it("sim scripts - natural-reasoning scorer writes JSON scores that follow the reasoning markers", async () => {
    const e = testEngine({ max_num_seqs: 512 }, opened);
    const scores = async (doc: string) =>
      Promise.all(Array.from({ length: 300 }, async (_, s) => parseScores(await content(e, scorerMessages(doc, 4000), s))));
    const rich = await scores(REASONING_DOC);
    const poor = await scores("The cat sat on the mat. The dog sat on the rug. The bird sat on the branch.");
    const malformed = rich.filter((x) => x === null).length + poor.filter((x) => x === null).length;
    expect(malformed).toBeGreaterThan(0);
    expect(malformed).toBeLessThan(40);
    const mean = (xs: typeof rich) => {
      const ok = xs.filter((x) => x !== null);
      return ok.reduce((a, x) => a + x.overall, 0) / ok.length;
    };
    expect(mean(rich)).toBeGreaterThan(mean(poor) + 1);
    const one = rich.find((x) => x !== null)!;
    for (const k of ["reasoning_depth", "clarity", "factuality", "difficulty", "overall"]) {
      expect(one[k]).toBeGreaterThanOrEqual(1);
      expect(one[k]).toBeLessThanOrEqual(5);
    }
  });

  it("sim scripts - natural-reasoning writer writes a question and answer from the document's words", async () => {
    const e = testEngine({ max_num_seqs: 64 }, opened);
    const texts = await Promise.all(Array.from({ length: 20 }, (_, s) => content(e, writerMessages(REASONING_DOC, 4000), s, { max_tokens: 4000 })));
    for (const t of texts) {
      const qa = parseQuestion(t);
      expect(qa).not.toBeNull();
      expect(qa!.question).toMatch(/\?/);
      expect(/water|freeze|lakes|liquid|winter|dense|ecosystem|seasons/i.test(qa!.question)).toBe(true);
    }
  });

  it("sim scripts - tool calls carry arguments that follow the tool's schema", async () => {
    const e = testEngine({}, opened);
    const tools = [
      {
        type: "function",
        function: {
          name: "get_order",
          parameters: {
            type: "object",
            properties: {
              order_id: { type: "string" },
              status: { type: "string", enum: ["pending", "shipped"] },
              quantity: { type: "integer", minimum: 1, maximum: 5 },
              gift: { type: "boolean" },
              items: { type: "array", items: { type: "object", properties: { sku: { type: "string" } }, required: ["sku"] } },
            },
            required: ["order_id", "status", "quantity", "items"],
          },
        },
      },
    ];
    for (let s = 0; s < 20; s++) {
      const r = await chat(e, chatBody("Where is my order?", { tools, tool_choice: "required", seed: s }));
      const choice = r.choices[0]!;
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.content).toBeNull();
      const call = choice.message.tool_calls![0]!;
      expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
      expect(call.function.name).toBe("get_order");
      const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
      expect(typeof args.order_id).toBe("string");
      expect(["pending", "shipped"]).toContain(args.status);
      expect(args.quantity).toBeGreaterThanOrEqual(1);
      expect(args.quantity).toBeLessThanOrEqual(5);
      expect(Array.isArray(args.items)).toBe(true);
      for (const it of args.items as Record<string, unknown>[]) expect(typeof it.sku).toBe("string");
      expect(r.usage.completion_tokens).toBe(Math.ceil(("get_order" + call.function.arguments).length / 4));
    }
  });

  it("sim scripts - tool use: some calls under auto, none after a tool result or with tool_choice none", async () => {
    const e = testEngine({ tool_call_rate: 0.5 }, opened);
    const tools = [{ type: "function", function: { name: "ping", parameters: { type: "object", properties: {} } } }];
    const auto = await Promise.all(Array.from({ length: 60 }, (_, s) => chat(e, chatBody("ping it", { tools, seed: s }))));
    const calls = auto.filter((r) => r.choices[0]!.finish_reason === "tool_calls").length;
    expect(calls).toBeGreaterThan(10);
    expect(calls).toBeLessThan(50);
    const afterTool = chatBody(
      [
        { role: "user", content: "ping it" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "ping", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "pong" },
      ],
      { tools },
    );
    for (let s = 0; s < 20; s++) {
      const r = await chat(e, { ...afterTool, seed: s });
      expect(r.choices[0]!.message.tool_calls).toBeUndefined();
      expect(r.choices[0]!.finish_reason).toBe("stop");
    }
    const none = await chat(e, chatBody("ping it", { tools, tool_choice: "none" }));
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
    const named = await chat(e, chatBody("x", { tools, tool_choice: { type: "function", function: { name: "ping" } } }));
    expect(named.choices[0]!.message.tool_calls![0]!.function.name).toBe("ping");
  });

  it("sim scripts - response_format json_object and json_schema give JSON", async () => {
    const e = testEngine({}, opened);
    const obj = await chat(e, chatBody("Name a colour.", { response_format: { type: "json_object" } }));
    expect(JSON.parse(obj.choices[0]!.message.content!)).toEqual({ answer: "Name a colour." });
    const schema = { type: "object", properties: { colour: { type: "string", enum: ["red", "blue"] }, n: { type: "integer" } }, required: ["colour", "n"] };
    const typed = await chat(e, chatBody("Name a colour.", { response_format: { type: "json_schema", json_schema: { name: "c", schema } } }));
    const value = JSON.parse(typed.choices[0]!.message.content!) as { colour: string; n: number };
    expect(["red", "blue"]).toContain(value.colour);
    expect(Number.isInteger(value.n)).toBe(true);
  });

  it("sim scripts - generic text for everything else", async () => {
    const e = testEngine({ output_len: { dist: "fixed", value: 40 } }, opened);
    const r = await chat(e, chatBody("What is the weather like on Mars?", { seed: 2 }));
    expect(r.choices[0]!.message.content).toMatch(/What is the weather/);
    expect(r.usage.completion_tokens).toBe(40);
  });
});
