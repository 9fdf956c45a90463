// NaturalReasoning prompts: the filter, the multi-dimensional scorer and the question writer.
import type { ChatMessage } from "../../services/llm/openai.ts";

/** Score dimensions the scorer rates from 1 to 5, besides `overall`. */
export const DIMENSIONS = ["reasoning_depth", "clarity", "factuality", "difficulty"] as const;

// The simulated LLM recognises each stage by a phrase of its system prompt: "contains reasoning content",
// "data quality rater", "hard reasoning question".
export const FILTER_SYSTEM = [
  "You are a filter for a web-data curation pipeline. Decide whether the document is written in English and",
  "contains reasoning content: explanations of why or how something happens, arguments, step-by-step",
  "derivations, or cause-and-effect analysis. Lists, advertisements, navigation text and bare facts are not",
  "reasoning content. Reply with exactly one word: yes or no.",
].join(" ");

export const SCORER_SYSTEM = [
  "You are a data quality rater for a web-data curation pipeline. Rate the document on each dimension from",
  "1 (poor) to 5 (excellent): reasoning_depth (how much multi-step reasoning it contains), clarity (how well it",
  "is written and organised), factuality (how accurate and verifiable its claims are), difficulty (how much",
  "expertise it takes to follow), and overall (its value as a source for hard reasoning questions).",
  'Reply with a JSON object only, for example: {"reasoning_depth": 4, "clarity": 3, "factuality": 4,',
  '"difficulty": 3, "overall": 4}',
].join(" ");

export const WRITER_SYSTEM = [
  "You write one hard reasoning question grounded in a web document, together with its reference answer.",
  "The question must be answerable from the document's content, must need several steps of reasoning rather",
  "than a lookup, and must make sense without the document. The reference answer states the result and the",
  "reasoning that leads to it. Use exactly this format:\nQuestion: <the question>\nAnswer: <the reference answer>",
].join(" ");

/** The document as the user message of every stage (cut to `maxChars`). */
export function documentMessage(text: string, maxChars: number): string {
  const doc = text.length > maxChars ? `${text.slice(0, maxChars)}\n[...]` : text;
  return `<document>\n${doc}\n</document>`;
}

export function filterMessages(text: string, maxChars: number): ChatMessage[] {
  return [
    { role: "system", content: FILTER_SYSTEM },
    { role: "user", content: `${documentMessage(text, maxChars)}\n\nIs this English text with reasoning content? Answer yes or no.` },
  ];
}

export function scorerMessages(text: string, maxChars: number): ChatMessage[] {
  return [
    { role: "system", content: SCORER_SYSTEM },
    { role: "user", content: `${documentMessage(text, maxChars)}\n\nRate this document. Reply with the JSON object only.` },
  ];
}

export function writerMessages(text: string, maxChars: number): ChatMessage[] {
  return [
    { role: "system", content: WRITER_SYSTEM },
    { role: "user", content: `${documentMessage(text, maxChars)}\n\nWrite one hard reasoning question about this document, with its reference answer.` },
  ];
}
