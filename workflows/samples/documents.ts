// The NaturalReasoning sample: web-like documents of several kinds, composed from the topic and text banks.
import { boilerplatePage, navigationPage } from "./boilerplate.ts";
import { derivation } from "./derivations.ts";
import { LANGUAGES } from "./foreign.ts";
import { FACTS } from "./knowledge.ts";
import type { Rng } from "./prng.ts";
import { TOPICS, type Link, type Topic } from "./topics.ts";

export type DocumentRow = { id: string; url: string; text: string };

/** What a document was made as: reasoning kinds should pass a filter, the others should not. */
export type DocumentKind = "explanation" | "article" | "derivation" | "weak" | "boilerplate" | "fact" | "foreign";

/** How many documents of each kind the sample holds (200 in all). */
export const KIND_COUNTS: Readonly<Record<DocumentKind, number>> = {
  explanation: 50,
  article: 25,
  derivation: 30,
  weak: 15,
  boilerplate: 40,
  fact: 25,
  foreign: 15,
};

/** Words and phrases that mark reasoning (what the filter stage looks for). */
export const REASONING_MARKERS = ["because", "therefore", "thus", "since", "as a result", "which means", "hence", "so that", "consequently"];

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Ways of joining a cause to its effect with a reasoning marker. */
const MARKED: ReadonlyArray<(l: Link) => string> = [
  (l) => `${cap(l.effect)} because ${l.cause}.`,
  (l) => `Since ${l.cause}, ${l.effect}.`,
  (l) => `${cap(l.cause)}; as a result, ${l.effect}.`,
  (l) => `${cap(l.cause)}, which means ${l.effect}.`,
  (l) => `${cap(l.cause)}. Therefore, ${l.effect}.`,
  (l) => `${cap(l.cause)}, and thus ${l.effect}.`,
  (l) => `${cap(l.cause)}. Consequently, ${l.effect}.`,
  (l) => `${cap(l.cause)}; hence ${l.effect}.`,
];

/** Cause and effect side by side, with no marker. */
const PLAIN: ReadonlyArray<(l: Link) => string> = [(l) => `${cap(l.cause)}. ${cap(l.effect)}.`, (l) => `${cap(l.cause)}, and ${l.effect}.`];

const SITES = ["www.science-explained.example", "learn.curious-minds.example", "blog.everyday-physics.example", "notes.open-classroom.example"];

function slugify(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function topicUrl(rng: Rng, topic: Topic): string {
  return `https://${rng.pick(SITES)}/${topic.section}/${slugify(topic.title)}-${rng.int(100, 999)}`;
}

/** A paragraph on a topic: some consecutive links, `marked` of them joined with a marker, maybe a note. */
function paragraph(rng: Rng, topic: Topic, count: number, marked: number): string {
  const start = rng.int(0, topic.links.length - count);
  const links = topic.links.slice(start, start + count);
  const withMarker = new Set(rng.sample([...links.keys()], marked));
  const sentences = [topic.intro, ...links.map((l, i) => (withMarker.has(i) ? rng.pick(MARKED) : rng.pick(PLAIN))(l))];
  if (rng.chance(0.6)) sentences.splice(rng.int(1, sentences.length), 0, rng.pick(topic.notes));
  return sentences.join(" ");
}

function explanation(rng: Rng): DocumentRow {
  const topic = rng.pick(TOPICS);
  const count = rng.int(3, topic.links.length);
  return { id: "", url: topicUrl(rng, topic), text: `${topic.title}\n\n${paragraph(rng, topic, count, rng.int(2, count))}` };
}

/** Descriptive text on a reasoning topic with at most one marker: borderline for a filter. */
function weak(rng: Rng): DocumentRow {
  const topic = rng.pick(TOPICS);
  const count = rng.int(2, topic.links.length);
  const body = rng.chance(0.3) ? [topic.intro, ...topic.notes].join(" ") : paragraph(rng, topic, count, rng.int(0, 1));
  return { id: "", url: topicUrl(rng, topic), text: body };
}

/** A long page: several sections, sometimes wrapped in site navigation, up to about 4000 characters. */
function article(rng: Rng): DocumentRow {
  const target = rng.int(1500, 3800);
  const topics = rng.shuffle(TOPICS);
  const header = rng.chance(0.4) ? navigationPage(rng).text.split("\n")[0]! + "\n\n" : "";
  const sections: string[] = [];
  let length = header.length;
  for (const topic of topics) {
    const count = topic.links.length;
    const section = `## ${topic.title}\n\n${paragraph(rng, topic, count, rng.int(Math.ceil(count / 2), count))}`;
    if (sections.length > 0 && length + section.length > 3950) break;
    sections.push(section);
    length += section.length + 2;
    if (length >= target) break;
  }
  const first = topics[0]!;
  return { id: "", url: topicUrl(rng, first), text: header + sections.join("\n\n") };
}

function worked(rng: Rng): DocumentRow {
  const d = derivation(rng);
  const site = rng.pick(["forum.homework-help.example/t", "www.mathhelp.example/solutions"]);
  return { id: "", url: `https://${site}/${slugify(d.title)}-${rng.int(1000, 99999)}`, text: `${d.title}\n\n${d.text}` };
}

function fact(rng: Rng): DocumentRow {
  const prefix = rng.pick(["", "", "Quick fact: ", "Did you know? "]);
  const facts = rng.shuffle(FACTS);
  const want = rng.int(1, 3);
  let text = prefix;
  // At least about fifty characters: a one-line fact page still has a sentence or two.
  for (let i = 0; i < facts.length && (i < want || text.length < 50); i++) text += (i > 0 ? " " : "") + facts[i]!.statement;
  return { id: "", url: `https://quickfacts.example/fact/${rng.int(1000, 99999)}`, text };
}

function foreign(rng: Rng): DocumentRow {
  const lang = rng.pick(LANGUAGES);
  const path = { de: "artikel", fr: "article", es: "articulo" }[lang.code] ?? "page";
  return { id: "", url: `https://${lang.site}/${path}/${rng.int(100, 9999)}`, text: rng.sample(lang.sentences, rng.int(2, 6)).join(" ") };
}

const MAKERS: Record<DocumentKind, (rng: Rng) => DocumentRow> = {
  explanation,
  article,
  derivation: worked,
  weak,
  boilerplate: (rng) => ({ id: "", ...boilerplatePage(rng) }),
  fact,
  foreign,
};

/** The 200 documents in shuffled order, each with the kind it was made as; ids are `nr-0001` onwards. */
export function naturalReasoningDocuments(rng: Rng): { kind: DocumentKind; row: DocumentRow }[] {
  const docs: { kind: DocumentKind; row: DocumentRow }[] = [];
  for (const [kind, n] of Object.entries(KIND_COUNTS) as [DocumentKind, number][]) {
    for (let i = 0; i < n; i++) docs.push({ kind, row: MAKERS[kind](rng) });
  }
  return rng.shuffle(docs).map((d, i) => ({ kind: d.kind, row: { id: `nr-${String(i + 1).padStart(4, "0")}`, url: d.row.url, text: d.row.text } }));
}

export function naturalReasoningSample(rng: Rng): DocumentRow[] {
  return naturalReasoningDocuments(rng).map((d) => d.row);
}
