// Coral: the two discussing agents ("collaborative reasoning discussion") and the answer extractor.
import { hashString, pick } from "../rng.ts";
import { firstUserText, lastUserText, messageText, systemText, type Script, type ScriptRequest } from "../script.ts";
import { approxTokens, filler } from "../text.ts";

/** Probability that a first answer to a simple arithmetic question is the true result. */
const ARITHMETIC_SKILL = 0.7;
/** Fraction of replies that reason without committing to an option. */
const NO_COMMIT_RATE = 0.05;
/** Fraction of questions on which the agents are stubborn (most such dialogues hit the turn limit). */
const CONTESTED_RATE = 0.1;

export type CoralQuestion = { question: string; options: { letter: string; text: string }[] };

/** The question and its lettered options from the question block (`Question: ...` then `Options:` lines `(A) ...`). */
export function parseQuestionBlock(text: string): CoralQuestion {
  const q = /Question:\s*([\s\S]*?)(?:\n\s*\n\s*Options:|\nOptions:|$)/.exec(text);
  const question = q?.[1]?.trim() ?? "";
  const options: CoralQuestion["options"] = [];
  const at = text.indexOf("Options:");
  if (at >= 0) {
    for (const line of text.slice(at + "Options:".length).replace(/^\s*\n/, "").split("\n")) {
      const m = /^\s*\(([A-J])\)\s?(.*)$/.exec(line);
      if (!m) break;
      options.push({ letter: m[1]!, text: m[2]!.trim() });
    }
  }
  return { question, options };
}

/** The value of a simple binary arithmetic question ("What is 17 * 23?"), or undefined. */
export function arithmeticValue(question: string): number | undefined {
  const m = /(-?\d+(?:\.\d+)?)\s*([-+*×x÷/])\s*(-?\d+(?:\.\d+)?)/.exec(question);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[3]);
  switch (m[2]) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
    case "×":
    case "x":
      return a * b;
    default:
      return b === 0 ? undefined : a / b;
  }
}

/** The letter a text commits to: its last "answer is (X)" (or "answer is X"), else undefined. */
export function committedLetter(text: string): string | undefined {
  let found: string | undefined;
  for (const m of text.matchAll(/[Aa]nswer\s+is\s*:?\s*\(?([A-J])\)?(?![A-Za-z])/g)) found = m[1]!;
  return found;
}

function numberOf(text: string): number | undefined {
  const t = text.replace(/,/g, "").trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}

/** The agent's first answer: the true result of simple arithmetic with probability 0.7, else a seeded option. */
function firstAnswer(q: CoralQuestion, rng: () => number): { letter: string; note: string } {
  const value = arithmeticValue(q.question);
  const right = value === undefined ? undefined : q.options.find((o) => numberOf(o.text) === value);
  if (right !== undefined && rng() < ARITHMETIC_SKILL) {
    return { letter: right.letter, note: `Working it out, the computation gives ${right.text}, which matches option ${right.letter}.` };
  }
  const o = pick(rng, q.options);
  return { letter: o.letter, note: `Weighing the options one by one, option ${o.letter} ("${o.text}") looks the most defensible.` };
}

/** How likely an agent is to adopt a differing partner answer after `turns` turns of its own. */
function switchProbability(contested: boolean, turns: number): number {
  return contested ? 0.03 : Math.min(0.9, 0.25 + 0.2 * (turns - 1));
}

function agentReply(req: ScriptRequest): { content: string; tokens: number } {
  const rng = req.rng;
  const q = parseQuestionBlock(firstUserText(req));
  if (q.options.length === 0) q.options.push({ letter: "A", text: "" });
  const own = req.messages.filter((m) => m.role === "assistant").map(messageText);
  let letter: string;
  let head: string;
  if (own.length === 0) {
    const first = firstAnswer(q, rng);
    letter = first.letter;
    head = `Let me reason through this question step by step. ${first.note}`;
  } else {
    const mine = own.map(committedLetter).findLast((l) => l !== undefined);
    const partner = committedLetter(lastUserText(req));
    const contested = hashString(q.question) % 1000 < CONTESTED_RATE * 1000;
    if (mine === undefined) {
      letter = partner ?? pick(rng, q.options).letter;
      head = partner === undefined ? "Let me look at the options again." : `My partner's argument for option ${partner} is reasonable, and I had not settled on an option.`;
    } else if (partner === undefined || partner === mine) {
      letter = mine;
      head = partner === mine ? `We both arrive at option ${mine}, and I still find that convincing.` : `I keep my earlier reasoning for option ${mine}.`;
    } else if (rng() < switchProbability(contested, own.length)) {
      letter = partner;
      head = `My partner makes a convincing point: option ${partner} fits better than option ${mine}, which I chose before.`;
    } else {
      letter = mine;
      head = `I have checked my partner's argument for option ${partner}, but I still think option ${mine} is right.`;
    }
  }
  const commits = rng() >= NO_COMMIT_RATE;
  const tail = commits ? `Therefore, the answer is (${letter}).` : "I need to think about this more before I commit to an option.";
  const room = req.targetTokens * 4 - head.length - tail.length - 2;
  const content = room > 0 ? `${head} ${filler(rng, room)} ${tail}` : `${head} ${tail}`;
  return { content, tokens: approxTokens(content) };
}

/** An agent of a Coral dialogue: answers, keeps or switches its answer, pads its reasoning to the sampled length. */
export const coralAgent: Script = {
  name: "coral-agent",
  match: (req) => systemText(req).includes("collaborative reasoning discussion"),
  reply: agentReply,
};

/** The Coral extractor: the letter the quoted message commits to, or NONE. */
export const coralExtractor: Script = {
  name: "coral-extractor",
  match: (req) => systemText(req).includes("answer it commits to"),
  reply(req) {
    const text = lastUserText(req);
    const start = text.indexOf("Message:");
    const end = text.lastIndexOf("Answer letter:");
    const message = text.slice(start >= 0 ? start + "Message:".length : 0, end > start ? end : text.length);
    let letter = committedLetter(message);
    if (letter === undefined) {
      const all = [...message.matchAll(/\(([A-J])\)/g)];
      letter = all.at(-1)?.[1];
    }
    return letter === undefined ? { content: "NONE", tokens: 2 } : { content: letter, tokens: 1 };
  },
};
