// NaturalReasoning curation: the filter (yes/no), the quality scorer (JSON scores) and the question writer.
import { normal, pick } from "../rng.ts";
import { lastUserText, systemText, type Script, type ScriptRequest } from "../script.ts";
import { approxTokens, filler } from "../text.ts";

const MARKERS = /\b(?:because|therefore|thus|since|as a result|which means|hence|so that|consequently)\b/gi;
/** Fraction of filter verdicts flipped (the filter model's errors). */
const FILTER_FLIP_RATE = 0.05;
/** Fraction of scorer replies that are not valid JSON. */
const MALFORMED_RATE = 0.03;

/** The document of a stage's user message (inside `<document>...</document>`; the whole message otherwise). */
export function documentOf(req: ScriptRequest): string {
  const text = lastUserText(req);
  const m = /<document>\n?([\s\S]*?)\n?<\/document>/.exec(text);
  return m ? m[1]! : text;
}

/** How many reasoning markers (because, therefore, thus, ...) the text has. */
export function reasoningMarkers(text: string): number {
  return text.match(MARKERS)?.length ?? 0;
}

/** At least 90% of the characters are ASCII (a cheap stand-in for "written in English"). */
export function mostlyAscii(text: string): boolean {
  if (text.length === 0) return false;
  let ascii = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 128) ascii++;
  return ascii / text.length >= 0.9;
}

/** The filter: "yes" for mostly-ASCII documents with two or more reasoning markers, flipped 5% of the time. */
export const nrFilter: Script = {
  name: "nr-filter",
  match: (req) => systemText(req).includes("contains reasoning content"),
  reply(req) {
    const doc = documentOf(req);
    let yes = mostlyAscii(doc) && reasoningMarkers(doc) >= 2;
    if (req.rng() < FILTER_FLIP_RATE) yes = !yes;
    return { content: yes ? "yes" : "no", tokens: 1 };
  },
};

const clampScore = (x: number) => Math.min(5, Math.max(1, Math.round(x)));

/** The scorer: five 1-5 scores that grow with the marker count, with seeded noise; ~3% malformed JSON. */
export const nrScorer: Script = {
  name: "nr-scorer",
  match: (req) => systemText(req).includes("data quality rater"),
  reply(req) {
    const rng = req.rng;
    const base = 1 + 4 * (1 - Math.exp(-reasoningMarkers(documentOf(req)) / 3));
    const scores = {
      reasoning_depth: clampScore(base + 0.6 * normal(rng)),
      clarity: clampScore(3 + 0.4 * (base - 3) + 0.8 * normal(rng)),
      factuality: clampScore(3.2 + 0.3 * (base - 3) + 0.8 * normal(rng)),
      difficulty: clampScore(base - 0.3 + 0.7 * normal(rng)),
      overall: 0,
    };
    scores.overall = clampScore((scores.reasoning_depth + scores.clarity + scores.factuality + scores.difficulty) / 4 + 0.4 * normal(rng));
    let content = JSON.stringify(scores).replace(/,"/g, ', "').replace(/":/g, '": ');
    if (rng() < MALFORMED_RATE) {
      content = rng() < 0.5 ? content.slice(0, Math.floor(content.length * 0.6)) : `Scores: reasoning_depth ${scores.reasoning_depth}, overall ${scores.overall}`;
    }
    return { content, tokens: approxTokens(content) };
  },
};

const STOP = new Set(
  "about above after again against because before being below between both could does doing during each from further having here hence into itself more most other ought since some such than that their theirs them then there therefore these they this those through thus under until very what when where which while whom with would your".split(" "),
);

/** The document's most frequent content words (five letters or more), most frequent first. */
export function keywords(doc: string, n: number): string[] {
  const counts = new Map<string, number>();
  for (const m of doc.toLowerCase().matchAll(/[a-z][a-z-]{4,}/g)) {
    const w = m[0];
    if (!STOP.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([w]) => w);
}

/** The writer: "Question: ...\nAnswer: ..." built from the document's words, padded to the (long-tailed) length. */
export const nrWriter: Script = {
  name: "nr-writer",
  match: (req) => systemText(req).includes("hard reasoning question"),
  reply(req) {
    const rng = req.rng;
    const words = keywords(documentOf(req), 8);
    const w = (i: number) => words[i] ?? pick(rng, ["the process", "the system", "the outcome", "the mechanism"]);
    const question = pick(rng, [
      `How does ${w(0)} affect ${w(1)}, and what would change about ${w(2)} if ${w(0)} were removed?`,
      `Why does ${w(1)} depend on ${w(0)}, and what does that imply for ${w(3)}?`,
      `Given what is known about ${w(0)} and ${w(2)}, what is the most likely effect on ${w(1)}, and why?`,
    ]);
    const head = `Question: ${question}\nAnswer: Because ${w(0)} shapes ${w(1)}, a change in ${w(0)} carries over to ${w(2)}; therefore`;
    const room = req.targetTokens * 4 - head.length - 1;
    const content = room > 0 ? `${head} ${filler(rng, room)}` : `${head} the effect follows.`;
    return { content, tokens: approxTokens(content) };
  },
};
