// Text shaping for replies: filler prose of a given size, cutting to a token budget, splitting into stream pieces.
import { approxTokens } from "../llm/openai.ts";
import { seededRandom } from "./rng.ts";

export { approxTokens };

const WORDS = (
  "the of and to a in that is for it as with this we on be by are from at can which one each step result value " +
  "consider first second next then so because therefore given case check whether follows holds means note term " +
  "assume suppose compare both choice reason argument evidence claim condition factor effect cause change " +
  "amount total part rule pattern order first sum product ratio rate time point number set group level question " +
  "approach method way clear likely unlikely true false correct consistent implies since thus hence also again"
).split(" ");

const OPENERS = ["Let us", "We can", "It helps to", "Next we", "Here we", "Now we", "One way is to", "We should"];

/** A fixed corpus of plausible filler sentences, built once from a fixed seed. */
const CORPUS: string = (() => {
  const rng = seededRandom(0x5eed);
  const parts: string[] = [];
  let size = 0;
  while (size < 24_000) {
    const n = 6 + Math.floor(rng() * 12);
    const words: string[] = [OPENERS[Math.floor(rng() * OPENERS.length)]!];
    for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rng() * WORDS.length)]!);
    const s = words.join(" ") + ".";
    parts.push(s);
    size += s.length + 1;
  }
  return parts.join(" ") + " ";
})();

/** Offsets in CORPUS where a sentence starts. */
const STARTS: number[] = (() => {
  const out = [0];
  for (let i = 0; i < CORPUS.length - 2; i++) if (CORPUS[i] === "." && CORPUS[i + 1] === " ") out.push(i + 2);
  return out;
})();

/** About `chars` characters of filler prose (exactly `chars` when positive), starting at a random sentence. */
export function filler(rng: () => number, chars: number): string {
  if (chars <= 0) return "";
  let at = STARTS[Math.floor(rng() * STARTS.length)]!;
  let out = "";
  while (out.length < chars) {
    const take = Math.min(chars - out.length, CORPUS.length - at);
    out += CORPUS.slice(at, at + take);
    at = 0;
  }
  return out.trimEnd().padEnd(chars, ".");
}

/** `text` extended with filler so that it counts about `tokens` tokens (`sep` goes between them). */
export function padToTokens(text: string, tokens: number, rng: () => number, sep = " "): string {
  const missing = tokens * 4 - text.length - sep.length;
  if (missing <= 0) return text;
  return text === "" ? filler(rng, tokens * 4) : text + sep + filler(rng, missing);
}

/** `text` cut to at most `tokens` tokens (4 characters a token), as a length-capped generation ends. */
export function cutToTokens(text: string, tokens: number): string {
  return text.length <= tokens * 4 ? text : text.slice(0, tokens * 4);
}

/** Splits `text` into `n` consecutive pieces of near-equal size (stream deltas, one per token). */
export function pieceBounds(text: string, n: number): (i: number) => number {
  const len = text.length;
  return (i) => (i >= n ? len : Math.round((i * len) / Math.max(1, n)));
}
