// Helpers for the simulated LLM's tests: engines with test options, chat bodies, reading JSON answers.
import { SimEngine } from "../services/sim/engine.ts";
import type { SimResponse } from "../services/sim/engine.ts";
import { compileSimOptions, type SimOptionsInput } from "../services/sim/options.ts";
import type { ChatMessage } from "../services/llm/openai.ts";

/** A fast engine (time_scale 1000 unless given) and a list to close it from. */
export function testEngine(options: SimOptionsInput = {}, opened?: SimEngine[]): SimEngine {
  const e = new SimEngine(compileSimOptions({ time_scale: 1000, ...options }));
  opened?.push(e);
  return e;
}

export function chatBody(messages: ChatMessage[] | string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const msgs = typeof messages === "string" ? [{ role: "user", content: messages }] : messages;
  return { model: "sim", messages: msgs, ...extra };
}

export type ChatJson = {
  id: string;
  object: string;
  choices: {
    index: number;
    message: { role: string; content: string | null; tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[] };
    finish_reason: string;
  }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
};

/** The JSON body of a 200 answer (throws on anything else, with the status and body). */
export function okJson(res: SimResponse): ChatJson {
  if (res.kind !== "json" || res.status !== 200) throw new Error(`expected 200 JSON, got ${res.status}: ${JSON.stringify(res.kind === "json" ? res.body : "stream")}`);
  return res.body as ChatJson;
}

/** Sends a chat and returns the JSON body of its 200 answer. */
export async function chat(engine: SimEngine, body: Record<string, unknown>): Promise<ChatJson> {
  return okJson(await engine.handle("chat", body));
}

/** Polls `cond` every few ms until it holds (or fails after `ms`). */
export async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}
