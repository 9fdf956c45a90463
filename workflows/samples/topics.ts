// Explanatory topics for the web-document sample: cause-and-effect links written as clauses, plus neutral notes.
// No clause or note contains a reasoning marker word: the templates that join them decide how many a text has.

export type Link = { cause: string; effect: string };

export type Topic = {
  title: string;
  /** Section of a site the topic would live on (part of its URL). */
  section: string;
  intro: string;
  links: Link[];
  notes: string[];
};

const l = (cause: string, effect: string): Link => ({ cause, effect });

export const TOPICS: readonly Topic[] = [
  {
    title: "Why the sky is blue",
    section: "physics",
    intro: "Sunlight looks white, but it is a mixture of every visible wavelength.",
    links: [
      l("air molecules are much smaller than the wavelength of visible light", "they scatter short wavelengths far more strongly than long ones"),
      l("blue light has a shorter wavelength than red light", "it is scattered across the whole sky and reaches our eyes from every direction"),
      l("at sunset the light crosses a much thicker layer of air", "most of the blue is scattered away before it arrives and the sun looks orange or red"),
      l("our eyes are less sensitive to violet than to blue", "the sky looks blue rather than violet even though violet is scattered even more"),
      l("the Moon has no atmosphere to scatter light", "its sky stays black even during the lunar day"),
    ],
    notes: [
      "This effect is known as Rayleigh scattering.",
      "Its strength grows with the inverse fourth power of the wavelength.",
      "Clouds look white for a different reason that involves much larger water droplets.",
    ],
  },
  {
    title: "What causes the seasons",
    section: "earth-science",
    intro: "Many people assume that summer comes when Earth is closest to the Sun, but that distance changes very little over the year.",
    links: [
      l("Earth's axis is tilted by about 23.4 degrees", "each hemisphere leans toward the Sun for part of the year and away from it for the rest"),
      l("sunlight that arrives at a steep angle is concentrated on a smaller area", "it heats the ground more than light arriving at a shallow angle"),
      l("days are longer in the hemisphere tilted toward the Sun", "the ground there collects more energy each day than it loses at night"),
      l("the two hemispheres lean in opposite directions", "July is summer in Europe and winter in Australia"),
      l("oceans store heat and release it slowly", "the warmest weeks come several weeks after the longest day"),
    ],
    notes: [
      "Earth is actually closest to the Sun in early January.",
      "Near the equator the seasons are weak and are often described as wet and dry rather than warm and cold.",
    ],
  },
  {
    title: "Why ice floats on water",
    section: "chemistry",
    intro: "Most substances are denser as solids than as liquids, and water is one of the few common exceptions.",
    links: [
      l("water molecules in ice lock into an open hexagonal lattice held by hydrogen bonds", "ice is about nine percent less dense than liquid water"),
      l("ice is less dense than the liquid around it", "it floats instead of sinking"),
      l("lakes freeze from the top down", "the ice layer insulates the water beneath it and fish survive the winter"),
      l("water expands when it freezes", "freezing water in cracks slowly splits rocks apart"),
      l("liquid water is densest at about 4 °C", "the bottom of a deep lake stays near that temperature all winter"),
    ],
    notes: ["An iceberg shows only about a tenth of its volume above the surface.", "Sea ice contains less salt than the water it forms from."],
  },
  {
    title: "How prices respond to a poor harvest",
    section: "economics",
    intro: "Grain markets show clearly how supply and demand set a price.",
    links: [
      l("a drought cuts the wheat harvest", "less grain reaches the market at the usual price"),
      l("buyers still need bread and animal feed", "they compete for the smaller supply and bid prices up"),
      l("higher prices make farming more profitable", "farmers plant more wheat the following season"),
      l("the larger crop arrives a year later", "prices tend to fall back once supply recovers"),
      l("bread makes up a larger share of spending for poor households", "a rise in grain prices hurts them more than wealthy ones"),
    ],
    notes: ["Economists call this pattern a supply shock.", "Governments sometimes keep grain reserves to soften such swings."],
  },
  {
    title: "How vaccines train the immune system",
    section: "health",
    intro: "The immune system learns from every pathogen it meets.",
    links: [
      l("a vaccine contains a harmless piece or copy of a pathogen", "the immune system can learn its shape without facing the real disease"),
      l("the body keeps memory cells after the first encounter", "a later infection is met by a response that is faster and stronger"),
      l("enough people in a community are immune", "the pathogen struggles to find new hosts and outbreaks die out"),
      l("some viruses mutate quickly", "vaccines against them have to be updated regularly"),
    ],
    notes: ["The first vaccine was developed by Edward Jenner in 1796.", "Booster doses refresh the memory of the immune system."],
  },
  {
    title: "Why bridges have expansion joints",
    section: "engineering",
    intro: "A bridge deck is never quite the same length from one hour to the next.",
    links: [
      l("steel expands when it warms up", "a long bridge deck can grow by several centimetres between a winter night and a summer afternoon"),
      l("a deck fixed rigidly at both ends cannot grow freely", "the expansion would build up large stresses and could buckle the structure"),
      l("expansion joints leave small gaps that open and close with the temperature", "the deck can move without damaging its supports"),
      l("railway tracks face the same problem", "engineers either leave gaps between rails or stretch welded rails when they lay them"),
    ],
    notes: ["The gaps are often covered with interlocking steel teeth.", "Concrete expands less than steel but still needs joints on long spans."],
  },
  {
    title: "How bacteria become resistant to antibiotics",
    section: "biology",
    intro: "Antibiotic resistance is evolution that can be watched within a single hospital ward.",
    links: [
      l("antibiotics kill susceptible bacteria but not the rare resistant ones", "each course of treatment leaves resistant bacteria with less competition"),
      l("bacteria divide every twenty minutes or so under good conditions", "a resistant strain can take over a population within days"),
      l("bacteria can pass resistance genes to each other on plasmids", "resistance spreads between species and not only from parent to offspring"),
      l("patients often stop treatment as soon as they feel better", "partly resistant bacteria may survive and multiply"),
    ],
    notes: ["Penicillin was discovered by Alexander Fleming in 1928.", "Resistance to it was observed within a few years of its wide use."],
  },
  {
    title: "How the printing press changed Europe",
    section: "history",
    intro: "Before the fifteenth century every book in Europe was copied by hand.",
    links: [
      l("movable type let printers reuse the same letters for many pages", "books became far cheaper to produce than hand-copied manuscripts"),
      l("books were cheaper", "more people could afford them and literacy spread"),
      l("identical copies reached many cities at once", "scholars could cite the same page and build on each other's work"),
      l("pamphlets could be printed in a few days", "new religious and political ideas spread faster than authorities could suppress them"),
    ],
    notes: ["Johannes Gutenberg printed his Bible around 1455.", "By 1500 presses were working in more than two hundred European towns."],
  },
  {
    title: "Why starting to save early matters",
    section: "finance",
    intro: "Time is the most powerful ingredient of a savings plan.",
    links: [
      l("interest is paid on past interest as well as on the original deposit", "savings grow faster each year than the year before"),
      l("the growth compounds over every year the money stays invested", "a deposit made at twenty-five can end up worth far more than the same deposit made at forty-five"),
      l("inflation reduces what money can buy", "the real return is the interest rate minus the inflation rate"),
      l("fees are taken every year from the whole balance", "a fee of one percent can remove a large part of the final sum over decades"),
    ],
    notes: ["At seven percent a year, money roughly doubles every ten years.", "This rule of thumb is called the rule of 72."],
  },
  {
    title: "Why cities are warmer than the countryside",
    section: "climate",
    intro: "On a summer night a city can be several degrees warmer than the farmland around it.",
    links: [
      l("asphalt and concrete absorb most of the sunlight that falls on them", "streets and roofs store heat during the day"),
      l("stored heat is released slowly after sunset", "city nights stay warmer than nights in nearby fields"),
      l("cities have few trees and little open soil", "there is less evaporation to cool the air"),
      l("tall buildings block the wind", "warm air lingers between them"),
      l("white roofs reflect more sunlight than dark ones", "some cities now require light-coloured roofs on new buildings"),
    ],
    notes: ["The effect is called the urban heat island.", "It is strongest on calm, clear nights."],
  },
  {
    title: "Why batteries struggle in the cold",
    section: "chemistry",
    intro: "Every battery is a small chemical reactor.",
    links: [
      l("the chemical reactions inside a battery slow down in the cold", "the battery delivers less current on a freezing morning"),
      l("a car engine needs a large current to start", "cars fail to start most often on cold days"),
      l("lithium-ion cells lose a little capacity with every charge cycle", "a phone that lasted two days when new may last one day after a few years"),
      l("keeping a battery full in a hot place speeds up unwanted side reactions", "manufacturers advise storing batteries half charged and cool"),
    ],
    notes: ["Lithium is the lightest metal.", "Most phone batteries are rated for several hundred full cycles."],
  },
  {
    title: "How natural selection shaped Darwin's finches",
    section: "biology",
    intro: "The finches of the Galápagos Islands are a textbook case of evolution in action.",
    links: [
      l("finches with larger beaks could crack the hard seeds left after a drought", "more of them survived and raised young"),
      l("beak size is partly inherited", "the next generation had larger beaks on average"),
      l("the islands were isolated from each other", "populations adapted to local food and slowly diverged into separate species"),
      l("wet years brought back small soft seeds", "the average beak size shifted back again"),
    ],
    notes: ["Peter and Rosemary Grant measured the finches of Daphne Major for decades.", "There are more than a dozen species of Darwin's finches."],
  },
  {
    title: "Why memory access patterns matter for speed",
    section: "computing",
    intro: "Two programs doing the same arithmetic can differ in speed by a factor of ten.",
    links: [
      l("reading from main memory takes about a hundred times longer than reading from the CPU cache", "programs that access memory in order run much faster than programs that jump around"),
      l("a cache keeps recently used data close to the processor", "a loop over a small array finds its data in the cache after the first pass"),
      l("a hash table scatters its entries across memory", "looking up many keys can be slower than scanning a small sorted array"),
      l("web browsers keep copies of images and scripts", "a page loads faster the second time it is visited"),
    ],
    notes: ["Modern processors have three levels of cache.", "The smallest level holds only a few dozen kilobytes."],
  },
  {
    title: "How Roman roads held an empire together",
    section: "history",
    intro: "The Romans were not the first road builders, but they were the most systematic.",
    links: [
      l("Roman roads were built with layers of stone, gravel and sand", "water drained through them and they lasted for centuries"),
      l("legions could march quickly along paved roads", "Rome could hold distant provinces with relatively few soldiers"),
      l("traders used the same roads as the army", "goods and ideas moved across the empire more easily"),
      l("many modern highways follow the old Roman routes", "the network still shapes the map of Europe today"),
    ],
    notes: ["At its height the network covered more than 80,000 kilometres of paved road.", "Milestones marked the distance to the next town."],
  },
];
