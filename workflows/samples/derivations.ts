// Step-by-step worked problems for the document sample: numbers drawn at random, every step computed.
import type { Rng } from "./prng.ts";

export type Derivation = { title: string; text: string };

function money(x: number): string {
  return x.toFixed(2);
}

function speed(rng: Rng): Derivation {
  const v = rng.int(12, 95);
  const t = rng.int(2, 6);
  const d = v * t;
  const vehicle = rng.pick(["a cyclist", "a train", "a delivery van", "a ferry", "a runner"]);
  return {
    title: "Average speed",
    text: [
      `Problem: ${vehicle[0]!.toUpperCase()}${vehicle.slice(1)} covers ${d} km in ${t} hours. What is the average speed, and how far does it get in ${t + 2} hours at the same pace?`,
      "Step 1: Average speed is the distance divided by the time taken.",
      `Step 2: Since the distance is ${d} km and the time is ${t} h, the speed is ${d} / ${t} = ${v} km/h.`,
      `Step 3: At a constant ${v} km/h, each extra hour adds ${v} km, which means ${t + 2} hours give ${v} × ${t + 2} = ${v * (t + 2)} km.`,
      `Therefore the average speed is ${v} km/h and the distance after ${t + 2} hours is ${v * (t + 2)} km.`,
    ].join("\n"),
  };
}

function discount(rng: Rng): Derivation {
  const p = rng.int(20, 400);
  const off = rng.pick([10, 15, 20, 25, 30, 40]);
  const tax = rng.pick([5, 8, 10, 20]);
  // Whole cents, rounded at each step as a till would, so the printed amounts add up.
  const offCents = Math.round(p * off);
  const saleCents = p * 100 - offCents;
  const taxCents = Math.round((saleCents * tax) / 100);
  const c = (cents: number) => money(cents / 100);
  return {
    title: "Discount and sales tax",
    text: [
      `A jacket costs $${p}. It is reduced by ${off}% and then a ${tax}% sales tax is added. What does the customer pay?`,
      `First, the discount is ${off}% of $${p}, which is $${c(offCents)}, so the sale price is $${c(saleCents)}.`,
      `Next, the tax is charged on the reduced price, not on the original one, because tax applies to what is actually paid.`,
      `The tax is ${tax}% of $${c(saleCents)} = $${c(taxCents)}.`,
      `Hence the customer pays $${c(saleCents)} + $${c(taxCents)} = $${c(saleCents + taxCents)}.`,
      `Applying the two percentages in the other order gives almost the same total, since multiplication is commutative; only the rounding of cents can differ.`,
    ].join("\n"),
  };
}

function paint(rng: Rng): Derivation {
  const w = rng.int(3, 7);
  const len = rng.int(3, 8);
  const h = rng.pick([2.4, 2.5, 2.7, 3]);
  const cover = rng.pick([10, 12]);
  const walls = 2 * (w + len) * h;
  const litres = Math.ceil(walls / cover);
  return {
    title: "How much paint a room needs",
    text: [
      `A room is ${w} m wide, ${len} m long and ${h} m high. One litre of paint covers ${cover} square metres. How many whole litres are needed for one coat on the walls?`,
      `The walls form two pairs: two walls of ${w} m × ${h} m and two of ${len} m × ${h} m.`,
      `The total wall area is 2 × (${w} + ${len}) × ${h} = ${Number(walls.toFixed(2))} square metres.`,
      `Since each litre covers ${cover} square metres, the room needs ${Number(walls.toFixed(2))} / ${cover} = ${Number((walls / cover).toFixed(2))} litres.`,
      `Paint is sold in whole litres, and thus we round up: ${litres} litres are needed (ignoring doors and windows).`,
    ].join("\n"),
  };
}

function recipe(rng: Rng): Derivation {
  const serves = rng.pick([2, 4, 6]);
  const want = serves * rng.int(2, 5);
  const flour = rng.pick([150, 200, 250, 300]);
  const eggs = rng.int(1, 3);
  const k = want / serves;
  return {
    title: "Scaling a recipe",
    text: [
      `A pancake recipe for ${serves} people uses ${flour} g of flour and ${eggs} egg${eggs > 1 ? "s" : ""}. How much is needed for ${want} people?`,
      `The scale factor is ${want} / ${serves} = ${k}, because every ingredient grows in the same proportion as the number of servings.`,
      `Flour: ${flour} g × ${k} = ${flour * k} g. Eggs: ${eggs} × ${k} = ${eggs * k}.`,
      `Consequently the batch for ${want} people needs ${flour * k} g of flour and ${eggs * k} eggs.`,
    ].join("\n"),
  };
}

function dice(rng: Rng): Derivation {
  const target = rng.int(4, 10);
  let ways = 0;
  for (let a = 1; a <= 6; a++) for (let b = 1; b <= 6; b++) if (a + b === target) ways++;
  return {
    title: "Probability with two dice",
    text: [
      `Two fair six-sided dice are rolled. What is the probability that the total is ${target}?`,
      "There are 6 × 6 = 36 equally likely outcomes, since each die shows one of six faces independently of the other.",
      `The pairs that add up to ${target} are: ${listPairs(target)}. That makes ${ways} outcomes.`,
      `Therefore the probability is ${ways}/36, which is about ${((ways / 36) * 100).toFixed(1)}%.`,
    ].join("\n"),
  };
}

function listPairs(target: number): string {
  const pairs: string[] = [];
  for (let a = 1; a <= 6; a++) {
    const b = target - a;
    if (b >= 1 && b <= 6) pairs.push(`(${a}, ${b})`);
  }
  return pairs.join(", ");
}

function pipes(rng: Rng): Derivation {
  const [a, b] = rng.pick([[3, 6], [4, 12], [6, 12], [10, 15], [12, 24], [20, 30], [2, 6]] as const);
  const together = (a * b) / (a + b);
  return {
    title: "Two pipes filling a tank",
    text: [
      `Pipe A fills a tank in ${a} hours and pipe B fills it in ${b} hours. How long do they take together?`,
      `In one hour pipe A fills 1/${a} of the tank and pipe B fills 1/${b} of it.`,
      `Together they fill 1/${a} + 1/${b} = ${a + b}/${a * b} of the tank per hour, since their rates simply add.`,
      `As a result, the whole tank takes ${a * b}/${a + b} = ${Number(together.toFixed(2))} hours.`,
      "A quick check: the answer must be shorter than the faster pipe alone, and it is.",
    ].join("\n"),
  };
}

function interest(rng: Rng): Derivation {
  const p = rng.pick([1000, 2000, 5000, 10000]);
  const r = rng.pick([2, 3, 4, 5]);
  const y1 = p * (1 + r / 100);
  const y2 = y1 * (1 + r / 100);
  return {
    title: "Compound interest over two years",
    text: [
      `$${p} is deposited at ${r}% interest per year, compounded yearly. What is the balance after two years?`,
      `After the first year the balance is ${p} × 1.0${r} = $${money(y1)}.`,
      `In the second year interest is earned on $${money(y1)}, not on $${p}, which means the balance becomes ${money(y1)} × 1.0${r} = $${money(y2)}.`,
      `Thus the balance after two years is $${money(y2)}, which is $${money(y2 - p - (2 * p * r) / 100)} more than simple interest would give.`,
    ].join("\n"),
  };
}

const PROBLEMS = [speed, discount, paint, recipe, dice, pipes, interest];

/** A worked problem of a random kind. */
export function derivation(rng: Rng): Derivation {
  return rng.pick(PROBLEMS)(rng);
}
