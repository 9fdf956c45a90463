// Hand-written general-knowledge items: a multiple-choice question with distractors and the fact as a sentence.

export type Fact = {
  category: string;
  question: string;
  answer: string;
  /** Plausible wrong options (at least three). */
  distractors: string[];
  /** The fact as a plain statement (used as a short web document). */
  statement: string;
};

const f = (category: string, question: string, answer: string, distractors: string[], statement: string): Fact => ({
  category,
  question,
  answer,
  distractors,
  statement,
});

export const FACTS: readonly Fact[] = [
  // physics
  f("physics", "What is the SI unit of electric resistance?", "the ohm", ["the volt", "the ampere", "the farad", "the henry", "the siemens", "the tesla", "the weber", "the coulomb"],
    "The SI unit of electric resistance is the ohm, named after the German physicist Georg Simon Ohm."),
  f("physics", "Approximately how fast does light travel in a vacuum?", "about 300,000 km per second", ["about 30,000 km per second", "about 3,000 km per second", "about 343 m per second", "about 3,000,000 km per second", "about 150,000 km per second"],
    "Light travels through a vacuum at about 299,792 kilometres per second."),
  f("physics", "What is the approximate acceleration due to gravity near Earth's surface?", "9.8 m/s²", ["1.6 m/s²", "3.7 m/s²", "24.8 m/s²", "98 m/s²", "0.98 m/s²", "6.7 m/s²"],
    "Near the surface of the Earth, objects in free fall accelerate at about 9.8 metres per second squared."),
  f("physics", "Which particle carries a negative electric charge?", "the electron", ["the proton", "the neutron", "the photon", "the neutrino", "the positron", "the alpha particle"],
    "The electron carries a negative electric charge of about 1.602 × 10⁻¹⁹ coulombs."),
  f("physics", "Which law states that the current through a conductor is proportional to the voltage across it?", "Ohm's law", ["Hooke's law", "Boyle's law", "Faraday's law", "Coulomb's law", "Snell's law", "Newton's second law"],
    "Ohm's law states that the current through a conductor is proportional to the voltage across it."),
  f("physics", "At what temperature does pure water boil at sea level?", "100 °C", ["90 °C", "80 °C", "110 °C", "120 °C", "212 °C", "373 °C"],
    "At sea level, pure water boils at 100 degrees Celsius."),
  f("physics", "Which quantity is measured in joules?", "energy", ["power", "force", "pressure", "momentum", "electric charge", "frequency"],
    "Energy is measured in joules; one joule is the work done by a force of one newton over one metre."),
  f("physics", "What is the approximate speed of sound in dry air at 20 °C?", "343 m/s", ["1,480 m/s", "34 m/s", "3,430 m/s", "300,000 km/s", "120 m/s"],
    "Sound travels through dry air at 20 °C at about 343 metres per second."),
  // chemistry
  f("chemistry", "What is the chemical symbol for sodium?", "Na", ["S", "So", "Sd", "N", "Nd", "Sn"],
    "The chemical symbol for sodium is Na, from its Latin name natrium."),
  f("chemistry", "Which gas makes up most of Earth's atmosphere?", "nitrogen", ["oxygen", "argon", "carbon dioxide", "hydrogen", "water vapour", "helium"],
    "Nitrogen makes up about 78 percent of the Earth's atmosphere by volume."),
  f("chemistry", "What is the pH of pure water at 25 °C?", "7", ["0", "1", "5", "9", "14"],
    "Pure water at 25 °C has a pH of 7."),
  f("chemistry", "How many protons does a carbon atom have?", "6", ["4", "8", "12", "14", "2", "7"],
    "A carbon atom has six protons in its nucleus."),
  f("chemistry", "Which element is the most abundant in the universe by mass?", "hydrogen", ["helium", "oxygen", "carbon", "iron", "nitrogen", "neon"],
    "Hydrogen is the most abundant element in the universe, making up about three quarters of ordinary matter by mass."),
  f("chemistry", "What is the chemical formula of table salt?", "NaCl", ["KCl", "NaOH", "CaCO3", "HCl", "Na2SO4", "NaHCO3"],
    "Table salt is sodium chloride, with the chemical formula NaCl."),
  f("chemistry", "Which element has the atomic number 26?", "iron", ["copper", "nickel", "cobalt", "zinc", "manganese", "chromium"],
    "Iron has the atomic number 26."),
  f("chemistry", "What type of bond holds the two atoms of a hydrogen molecule together?", "a covalent bond", ["an ionic bond", "a metallic bond", "a hydrogen bond", "a van der Waals bond"],
    "The two atoms of a hydrogen molecule share a pair of electrons in a covalent bond."),
  // biology
  f("biology", "Which organelle is the main site of aerobic respiration in eukaryotic cells?", "the mitochondrion", ["the ribosome", "the nucleus", "the Golgi apparatus", "the chloroplast", "the lysosome", "the endoplasmic reticulum"],
    "Aerobic respiration in eukaryotic cells takes place mainly in the mitochondria."),
  f("biology", "How many chromosomes does a typical human body cell contain?", "46", ["23", "44", "48", "22", "92", "47"],
    "A typical human body cell contains 46 chromosomes in 23 pairs."),
  f("biology", "Which molecule carries the genetic information of most living organisms?", "DNA", ["ATP", "glucose", "collagen", "haemoglobin", "cellulose"],
    "Most living organisms store their genetic information in DNA."),
  f("biology", "Which blood cells carry most of the oxygen in the human body?", "red blood cells", ["white blood cells", "platelets", "plasma cells", "lymphocytes", "macrophages"],
    "Red blood cells carry oxygen bound to the protein haemoglobin."),
  f("biology", "Which pigment gives plants their green colour?", "chlorophyll", ["carotene", "melanin", "haemoglobin", "anthocyanin", "xanthophyll"],
    "Plants are green thanks to the pigment chlorophyll."),
  f("biology", "Which organ produces insulin?", "the pancreas", ["the liver", "the kidney", "the spleen", "the stomach", "the thyroid", "the gallbladder"],
    "Insulin is produced by beta cells in the pancreas."),
  f("biology", "What is the largest organ of the human body?", "the skin", ["the liver", "the brain", "the lungs", "the heart", "the small intestine"],
    "The skin is the largest organ of the human body."),
  f("biology", "Which process do plants use to turn light energy into chemical energy?", "photosynthesis", ["respiration", "transpiration", "fermentation", "osmosis", "glycolysis"],
    "Plants turn light energy into chemical energy through photosynthesis."),
  // history
  f("history", "In which year did the Second World War end?", "1945", ["1939", "1944", "1946", "1918", "1950", "1941"],
    "The Second World War ended in 1945."),
  f("history", "Who was the first President of the United States?", "George Washington", ["Thomas Jefferson", "John Adams", "Abraham Lincoln", "Benjamin Franklin", "James Madison"],
    "George Washington was the first President of the United States, serving from 1789 to 1797."),
  f("history", "In which year did the Berlin Wall fall?", "1989", ["1961", "1991", "1985", "1990", "1979", "1987"],
    "The Berlin Wall fell on 9 November 1989."),
  f("history", "Which civilisation built Machu Picchu?", "the Inca", ["the Aztecs", "the Maya", "the Olmecs", "the Toltecs", "the Moche"],
    "Machu Picchu was built by the Inca in the fifteenth century."),
  f("history", "Which empire did Justinian I rule?", "the Byzantine Empire", ["the Ottoman Empire", "the Holy Roman Empire", "the Persian Empire", "the Carolingian Empire", "the Mongol Empire"],
    "Justinian I ruled the Byzantine Empire from 527 to 565."),
  f("history", "Who wrote the Ninety-five Theses in 1517?", "Martin Luther", ["John Calvin", "Erasmus", "Jan Hus", "Huldrych Zwingli", "Thomas More"],
    "Martin Luther wrote the Ninety-five Theses in 1517."),
  f("history", "In which year did the first crewed Moon landing take place?", "1969", ["1961", "1967", "1972", "1965", "1959"],
    "The first crewed Moon landing took place in July 1969."),
  f("history", "Which ancient wonder stood in Alexandria?", "the Lighthouse of Alexandria", ["the Colossus of Rhodes", "the Hanging Gardens of Babylon", "the Temple of Artemis", "the Mausoleum at Halicarnassus", "the Statue of Zeus at Olympia"],
    "The Lighthouse of Alexandria was one of the Seven Wonders of the Ancient World."),
  // geography
  f("geography", "What is the capital of Australia?", "Canberra", ["Sydney", "Melbourne", "Perth", "Brisbane", "Adelaide"],
    "Canberra is the capital of Australia."),
  f("geography", "Which is the longest river in South America?", "the Amazon", ["the Paraná", "the Orinoco", "the São Francisco", "the Madeira", "the Magdalena"],
    "The Amazon is the longest river in South America."),
  f("geography", "What is the highest mountain on Earth above sea level?", "Mount Everest", ["K2", "Kangchenjunga", "Lhotse", "Makalu", "Aconcagua", "Denali"],
    "Mount Everest rises 8,849 metres above sea level."),
  f("geography", "Which is the largest ocean on Earth?", "the Pacific Ocean", ["the Atlantic Ocean", "the Indian Ocean", "the Arctic Ocean", "the Southern Ocean"],
    "The Pacific is the largest ocean on Earth, covering about a third of its surface."),
  // math
  f("math", "What is the sum of the interior angles of a triangle?", "180 degrees", ["90 degrees", "270 degrees", "360 degrees", "540 degrees", "120 degrees"],
    "The interior angles of a triangle add up to 180 degrees."),
  f("math", "How many prime numbers are smaller than 20?", "8", ["6", "7", "9", "10", "5"],
    "There are eight prime numbers below 20: 2, 3, 5, 7, 11, 13, 17 and 19."),
  f("math", "What is the derivative of x² with respect to x?", "2x", ["x", "x²/2", "2", "2x²", "x³/3"],
    "The derivative of x squared with respect to x is 2x."),
  f("math", "What is the value of 0! (zero factorial)?", "1", ["0", "-1", "10", "it is undefined"],
    "By convention, zero factorial equals 1."),
  f("math", "How many edges does a cube have?", "12", ["6", "8", "10", "16", "24"],
    "A cube has 12 edges, 8 vertices and 6 faces."),
  f("math", "What is the area of a circle of radius r?", "πr²", ["2πr", "πd", "4πr²", "πr", "r²"],
    "The area of a circle of radius r is π times r squared."),
  // computer science
  f("computer science", "How many bits are in a byte?", "8", ["4", "16", "10", "32", "2", "64"],
    "A byte is made of eight bits."),
  f("computer science", "Which data structure works on a last-in, first-out basis?", "a stack", ["a queue", "a heap", "a linked list", "a hash table", "a binary tree"],
    "A stack returns the most recently added element first."),
  f("computer science", "What is the time complexity of binary search on a sorted array?", "O(log n)", ["O(n)", "O(1)", "O(n log n)", "O(n²)", "O(√n)"],
    "Binary search on a sorted array takes logarithmic time."),
  f("computer science", "What does the HTTP status code 404 mean?", "Not Found", ["OK", "Forbidden", "Internal Server Error", "Bad Request", "Moved Permanently", "Unauthorized"],
    "The HTTP status code 404 means that the server did not find the requested resource."),
  // economics
  f("economics", "What does GDP stand for?", "gross domestic product", ["general domestic price", "gross development percentage", "global demand projection", "gross daily production", "government debt position"],
    "GDP stands for gross domestic product, the value of all final goods and services produced in a country."),
  f("economics", "When demand for a good rises and supply stays the same, what usually happens to its price?", "it rises", ["it falls", "it stays the same", "it drops to zero", "it halves"],
    "A rise in demand with unchanged supply usually pushes the price up."),
  // health
  f("health", "What is the normal resting heart rate of an adult, in beats per minute?", "60 to 100", ["20 to 40", "100 to 150", "150 to 200", "40 to 50", "120 to 180"],
    "A normal resting heart rate for adults is between 60 and 100 beats per minute."),
  f("health", "Which vitamin does the skin produce when exposed to sunlight?", "vitamin D", ["vitamin C", "vitamin A", "vitamin B12", "vitamin K", "vitamin E"],
    "The skin produces vitamin D when exposed to ultraviolet light from the Sun."),
  // philosophy and other
  f("philosophy", "Who wrote The Republic?", "Plato", ["Aristotle", "Socrates", "Homer", "Cicero", "Epicurus"],
    "The Republic is a dialogue written by Plato around 375 BC."),
  f("other", "How many planets are in the Solar System?", "8", ["7", "9", "10", "12", "6"],
    "The Solar System has eight planets, from Mercury closest to the Sun out to Neptune."),
];
