// The batch-inference sample: chat requests (some with system prompts and sampling), text rows, OpenAI batch rows.
import { FACTS } from "./knowledge.ts";
import type { Rng } from "./prng.ts";
import { TOPICS } from "./topics.ts";

type Message = { role: "system" | "user" | "assistant"; content: string };
export type InferenceRow = Record<string, unknown>;

const SYSTEMS = [
  "You are a concise assistant. Answer in at most two sentences.",
  "You are a patient tutor who explains things step by step.",
  "You are a helpful assistant. Keep answers short and accurate.",
  "You are a friendly assistant for a hardware shop.",
  "Always answer in plain English without jargon.",
];
const THINGS = ["autumn leaves", "a quiet harbour", "the first snow", "a busy train station", "a cup of tea", "city lights at night", "a mountain lake"];
const ACTIVITIES = ["learning a new language", "running a first marathon", "keeping houseplants alive", "saving for a holiday", "writing clear emails", "sleeping better"];
const PRODUCTS = ["stainless steel water bottle", "foldable travel kettle", "ergonomic office chair", "solar garden lamp", "waterproof hiking backpack"];
const REVIEWS = [
  "The blender broke after two weeks and support never answered.",
  "Fast delivery, great quality, would buy again.",
  "It does the job, nothing more, nothing less.",
  "Absolutely love this lamp, the light is warm and soft.",
  "The instructions were confusing and a screw was missing.",
];
const LANGS = ["French", "German", "Spanish", "Italian"];

/** One user prompt of a random kind. */
function prompt(rng: Rng): string {
  const topic = rng.pick(TOPICS);
  const fact = rng.pick(FACTS);
  const kinds: Array<() => string> = [
    () => `Summarize in one sentence: ${topic.intro} ${topic.notes.join(" ")}`,
    () => `Translate into ${rng.pick(LANGS)}: "${fact.statement}"`,
    () => `Write a haiku about ${rng.pick(THINGS)}.`,
    () => `Give three tips for ${rng.pick(ACTIVITIES)}.`,
    () => `Explain to a ten-year-old: ${topic.title.toLowerCase()}?`,
    () => `What is ${rng.int(10, 99)} + ${rng.int(10, 99)}?`,
    () => `Write a two-sentence product description for a ${rng.pick(PRODUCTS)}.`,
    () => `Classify the sentiment of this review as positive, negative or neutral: "${rng.pick(REVIEWS)}"`,
    () => `${fact.question} Answer briefly.`,
    () => `List the main steps of the argument in this text: ${topic.intro}`,
  ];
  return rng.pick(kinds)();
}

/** Per-row sampling keys a request may carry (about a third of them do). */
function sampling(rng: Rng): Record<string, unknown> {
  if (!rng.chance(0.35)) return {};
  const out: Record<string, unknown> = {};
  if (rng.chance(0.7)) out.temperature = rng.pick([0, 0.2, 0.7, 1]);
  if (rng.chance(0.6)) out.max_tokens = rng.pick([32, 64, 128, 256]);
  if (rng.chance(0.3)) out.top_p = rng.pick([0.8, 0.9, 0.95]);
  if (rng.chance(0.2)) out.seed = rng.int(1, 10_000);
  if (Object.keys(out).length === 0) out.temperature = 0;
  return out;
}

function messagesRow(rng: Rng): InferenceRow {
  const messages: Message[] = [];
  if (rng.chance(0.45)) messages.push({ role: "system", content: rng.pick(SYSTEMS) });
  if (rng.chance(0.12)) {
    messages.push({ role: "user", content: prompt(rng) });
    messages.push({ role: "assistant", content: rng.pick(["Sure, here it is.", "Done. Anything else?", "Here is my first attempt."]) });
    messages.push({ role: "user", content: rng.pick(["Make it shorter, please.", "Can you make it more formal?", "Now explain your answer."]) });
  } else {
    messages.push({ role: "user", content: prompt(rng) });
  }
  return { request: { messages, ...sampling(rng) } };
}

function jsonRow(rng: Rng): InferenceRow {
  const fact = rng.pick(FACTS);
  return {
    request: {
      messages: [
        { role: "system", content: "You are a JSON API. Reply with a JSON object only." },
        { role: "user", content: `Return {"category": ..., "answer": ...} for: ${fact.question}` },
      ],
      response_format: { type: "json_object" },
      temperature: 0,
    },
  };
}

function textRow(rng: Rng): InferenceRow {
  return { text: prompt(rng) };
}

/** The shape of an OpenAI batch input file line (`custom_id`, `body`). */
function batchRow(rng: Rng, n: number): InferenceRow {
  return {
    custom_id: `batch-${String(n).padStart(3, "0")}`,
    method: "POST",
    url: "/v1/chat/completions",
    body: { model: "sim", messages: [{ role: "user", content: prompt(rng) }], max_tokens: rng.pick([64, 128]) },
  };
}

/** 60 rows: 39 chat requests, 2 JSON-mode requests, 15 text rows and 4 OpenAI batch lines, shuffled. */
export function inferenceSample(rng: Rng): InferenceRow[] {
  const rows: InferenceRow[] = [];
  for (let i = 0; i < 39; i++) rows.push(messagesRow(rng));
  for (let i = 0; i < 2; i++) rows.push(jsonRow(rng));
  for (let i = 0; i < 15; i++) rows.push(textRow(rng));
  const shuffled: InferenceRow[] = rng.shuffle(rows).map((r, i) => ({ id: `inf-${String(i + 1).padStart(3, "0")}`, ...r }));
  for (let i = 1; i <= 4; i++) shuffled.splice(rng.int(0, shuffled.length), 0, batchRow(rng, i));
  return shuffled;
}
