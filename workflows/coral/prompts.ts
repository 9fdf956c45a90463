// Coral prompts: the agents' system prompt, the question block, each agent's view of the dialogue, the extractor.
import type { ChatMessage } from "../../services/llm/openai.ts";
import { LETTERS, type CoralItem } from "./item.ts";

/** The two peers, in speaking order. */
export const AGENTS = ["agent_a", "agent_b"] as const;
export type Agent = (typeof AGENTS)[number];

/** One agent turn of the dialogue with the answer extracted from it (null when none was found). */
export type DialogueTurn = { speaker: Agent; content: string; answer: string | null };

// The simulated LLM recognises agent requests by "collaborative reasoning discussion".
export const AGENT_SYSTEM = [
  "You are taking part in a collaborative reasoning discussion: you and a partner work together on a",
  "multiple-choice question and try to reach the correct answer.",
  "Think step by step and explain your reasoning. When your partner answers, check their reasoning carefully:",
  "agree when they convince you, and explain where they went wrong when they do not.",
  'End every message with your current answer in the form "Therefore, the answer is (X)." where X is the',
  "letter of one option.",
].join(" ");

/** The question and its lettered options, as the first user message of both agents. */
export function questionBlock(item: CoralItem): string {
  const options = item.options.map((o, i) => `(${LETTERS[i]}) ${o}`).join("\n");
  return `Question: ${item.question}\n\nOptions:\n${options}`;
}

const OPENING = "Please share your reasoning and your answer to start the discussion.";
const PARTNER_FIRST = "Your partner answered first:";

/**
 * The chat an agent sees: the question, then the dialogue so far with its own turns as `assistant` and its
 * partner's as `user`. The partner's opening turn joins the question message so roles keep alternating.
 */
export function agentMessages(item: CoralItem, dialogue: readonly DialogueTurn[], me: Agent): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: "system", content: AGENT_SYSTEM }];
  let pendingUser: string | null = `${questionBlock(item)}\n\n${OPENING}`;
  let first = true;
  for (const t of dialogue) {
    if (t.speaker === me) {
      messages.push({ role: "user", content: pendingUser ?? "Please continue." });
      messages.push({ role: "assistant", content: t.content });
      pendingUser = null;
    } else if (first) {
      pendingUser = `${questionBlock(item)}\n\n${PARTNER_FIRST}\n\n${t.content}`;
    } else {
      pendingUser = pendingUser === null ? t.content : `${pendingUser}\n\n${t.content}`;
    }
    first = false;
  }
  messages.push({ role: "user", content: pendingUser ?? "Please continue." });
  return messages;
}

// The simulated LLM recognises extractor requests by "answer it commits to".
export const EXTRACTOR_SYSTEM = [
  "You read one message from a discussion of a multiple-choice question and report the answer it commits to.",
  "Reply with the option letter only (for example: C). If the message commits to no option, reply NONE.",
].join(" ");

/** The extractor's chat: the options (so the letters make sense) and the message to read. */
export function extractorMessages(item: CoralItem, message: string): ChatMessage[] {
  const letters = `${LETTERS[0]}-${LETTERS[item.options.length - 1]}`;
  return [
    { role: "system", content: EXTRACTOR_SYSTEM },
    { role: "user", content: `Options are lettered ${letters}.\n\nMessage:\n${message}\n\nAnswer letter:` },
  ];
}
