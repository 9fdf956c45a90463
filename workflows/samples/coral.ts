// The Coral sample: MMLU-Pro style rows mixing arithmetic the simulated agents can solve, unit conversions and facts.
import { FACTS } from "./knowledge.ts";
import type { Rng } from "./prng.ts";

export type CoralSampleRow = { id: string; question: string; options: string[]; answer: string; category: string };

type Item = { question: string; correct: string; distractors: string[]; category: string; optionCount: number };

const LETTERS = "ABCDEFGHIJ";
const ARITHMETIC = 128;
const CONVERSIONS = 60;

/** A number as an option: integers plainly, others with at most two decimals. */
function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(2)));
}

/** Distinct positive numeric distractors: the likely mistakes first, then near misses. */
function numericDistractors(correct: number, mistakes: number[], n: number, rng: Rng): string[] {
  const right = fmt(correct);
  const out: string[] = [];
  const add = (x: number) => {
    const s = fmt(x);
    if (x > 0 && s !== right && !out.includes(s)) out.push(s);
  };
  for (const m of rng.shuffle(mistakes)) add(m);
  for (const d of rng.shuffle([1, -1, 2, -2, 10, -10, 9, 11, -9, 100, -100])) add(correct + d);
  for (let k = 3; out.length < n; k++) add(correct + (rng.chance(0.5) ? k : -k));
  return rng.shuffle(out.slice(0, Math.max(n, 6))).slice(0, n);
}

/** "What is a op b?": the form the simulated agents compute. */
function arithmeticItem(rng: Rng): Omit<Item, "distractors" | "optionCount"> & { mistakes: number[]; value: number } {
  const op = rng.pick(["+", "-", "*", "×"] as const);
  if (op === "+") {
    const a = rng.int(12, 999);
    const b = rng.int(12, 999);
    const value = a + b;
    return { question: `What is ${a} + ${b}?`, correct: fmt(value), value, category: "math", mistakes: [value - 10, value + 10, a - b > 0 ? a - b : b - a] };
  }
  if (op === "-") {
    const a = rng.int(50, 999);
    const b = rng.int(10, a - 1);
    const value = a - b;
    return { question: `What is ${a} - ${b}?`, correct: fmt(value), value, category: "math", mistakes: [a + b, value + 10, value - 10] };
  }
  const a = rng.int(11, 99);
  const b = rng.int(3, 49);
  const value = a * b;
  return { question: `What is ${a} ${op} ${b}?`, correct: fmt(value), value, category: "math", mistakes: [a * (b + 1), a * (b - 1), (a + 1) * b, a + b, value + 10 * a] };
}

type Conversion = { question: (x: string) => string; factor: number; halves: boolean };

const CONVERSION_KINDS: readonly Conversion[] = [
  { question: (x) => `How many centimetres are in ${x} metres?`, factor: 100, halves: true },
  { question: (x) => `How many grams are in ${x} kilograms?`, factor: 1000, halves: true },
  { question: (x) => `How many metres are in ${x} kilometres?`, factor: 1000, halves: true },
  { question: (x) => `How many millilitres are in ${x} litres?`, factor: 1000, halves: true },
  { question: (x) => `How many millimetres are in ${x} centimetres?`, factor: 10, halves: true },
  { question: (x) => `How many seconds are in ${x} minutes?`, factor: 60, halves: false },
  { question: (x) => `How many minutes are in ${x} hours?`, factor: 60, halves: false },
  { question: (x) => `How many hours are in ${x} days?`, factor: 24, halves: false },
  { question: (x) => `How many inches are in ${x} feet?`, factor: 12, halves: false },
  { question: (x) => `How many bytes are in ${x} KiB?`, factor: 1024, halves: false },
];

const WRONG_FACTORS = [10, 12, 24, 60, 100, 1000, 1024];

function conversionItem(rng: Rng): Omit<Item, "distractors" | "optionCount"> & { mistakes: number[]; value: number } {
  const roll = rng.int(0, CONVERSION_KINDS.length + 1);
  if (roll === CONVERSION_KINDS.length) {
    const c = rng.int(-40, 120);
    const value = c + 273.15;
    return { question: `What is ${c} °C in kelvin?`, correct: fmt(value), value, category: "engineering", mistakes: [c + 273, c - 273.15, c * 1.8 + 32, c + 373.15, c + 237.15] };
  }
  if (roll === CONVERSION_KINDS.length + 1) {
    const value = rng.int(2, 40);
    const kmh = value * 18 / 5;
    return { question: `What is ${fmt(kmh)} km/h in metres per second?`, correct: fmt(value), value, category: "engineering", mistakes: [kmh * 3.6, value * 2, kmh / 2, value + 5] };
  }
  const kind = CONVERSION_KINDS[roll]!;
  const x = kind.halves && rng.chance(0.3) ? rng.int(1, 60) + 0.5 : rng.int(2, 90);
  const value = x * kind.factor;
  const mistakes = WRONG_FACTORS.filter((w) => w !== kind.factor).map((w) => x * w);
  mistakes.push(value * 10, value / 10, value + kind.factor);
  return { question: kind.question(fmt(x)), correct: fmt(value), value, category: "engineering", mistakes };
}

/** Assigns gold positions so every letter ends up about equally often (least used letter the row can take). */
function goldDeck(rng: Rng): (optionCount: number) => number {
  const used = new Array<number>(LETTERS.length).fill(0);
  return (optionCount) => {
    const allowed = used.slice(0, optionCount);
    const least = Math.min(...allowed);
    const candidates = allowed.flatMap((n, i) => (n === least ? [i] : []));
    const index = rng.pick(candidates);
    used[index]!++;
    return index;
  };
}

/** 240 rows: 52 facts, 60 conversions, 128 arithmetic questions, shuffled, gold letters about uniform. */
export function coralSample(rng: Rng): CoralSampleRow[] {
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const fact of FACTS) {
    const optionCount = Math.min(10, rng.int(4, fact.distractors.length + 1));
    items.push({ question: fact.question, correct: fact.answer, distractors: rng.sample(fact.distractors, optionCount - 1), category: fact.category, optionCount });
    seen.add(fact.question);
  }
  const generated = (make: typeof arithmeticItem, count: number, counts: readonly number[]) => {
    for (let made = 0; made < count; ) {
      const it = make(rng);
      if (seen.has(it.question)) continue;
      seen.add(it.question);
      const optionCount = rng.pick(counts);
      items.push({ ...it, distractors: numericDistractors(it.value, it.mistakes, optionCount - 1, rng), optionCount });
      made++;
    }
  };
  generated(conversionItem, CONVERSIONS, [4, 5, 6, 8, 10, 10, 10]);
  generated(arithmeticItem, ARITHMETIC, [4, 4, 5, 6, 8, 10, 10, 10, 10, 10]);

  const gold = goldDeck(rng);
  const rows = items.map((it) => {
    const at = gold(it.optionCount);
    const options = rng.shuffle(it.distractors);
    options.splice(at, 0, it.correct);
    return { question: it.question, options, answer: LETTERS[at]!, category: it.category };
  });
  return rng.shuffle(rows).map((r, i) => ({ id: `coral-${String(i + 1).padStart(4, "0")}`, ...r }));
}
