// Web text without reasoning for the document sample: navigation, product lists, adverts, schedules, contents.
import type { Rng } from "./prng.ts";

export type Page = { text: string; url: string };

const MENUS = [
  ["Home", "News", "Sport", "Weather", "Business", "Culture", "Travel", "Contact"],
  ["Home", "Shop", "New Arrivals", "Best Sellers", "Gift Cards", "Help", "Returns", "My Account"],
  ["Start", "About Us", "Services", "Portfolio", "Blog", "Careers", "Contact"],
  ["Dashboard", "Projects", "Issues", "Pull Requests", "Settings", "Docs", "Sign out"],
];
const FOOTER = [
  "Privacy Policy", "Terms of Use", "Cookie Settings", "Accessibility", "Sitemap", "Press", "Advertise with us", "Newsletter",
];
const ADJECTIVES = ["Wireless", "Compact", "Stainless", "Ergonomic", "Waterproof", "Foldable", "Rechargeable", "Organic", "Vintage", "Smart", "Portable", "Ceramic"];
const PRODUCTS = ["Mouse", "Kettle", "Desk Lamp", "Backpack", "Water Bottle", "Headphones", "Yoga Mat", "Coffee Grinder", "Phone Stand", "Notebook", "Blender", "Travel Mug", "Keyboard", "Umbrella"];
const STOCK = ["In stock", "Only 3 left", "Ships in 2-3 days", "Back in stock", "Pre-order", "Free delivery"];
const SHOPS = ["shop.gadgetworld.example", "www.homegoods-outlet.example", "store.trailgear.example", "deals.megamart.example"];
const NEWS = ["www.city-herald.example", "news.riverside-daily.example", "www.metro-times.example"];
const ACTIVITIES = ["Yoga", "Pilates", "Spin Class", "Swimming", "Boxing", "Zumba", "Stretching", "Circuit Training", "Aqua Fit"];
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const HEADLINES = [
  "Council approves new cycle lanes on Market Street",
  "Local bakery wins regional bread award",
  "Road works on the A40 to last until March",
  "Museum reopens after two-year renovation",
  "Summer festival line-up announced",
  "School football team reaches county final",
  "New library branch opens in the east district",
  "Weekend weather: sunny spells and light winds",
];
const CHAPTERS = ["Introduction", "Getting Started", "Installation", "Configuration", "Basic Usage", "Advanced Topics", "Troubleshooting", "Reference", "Glossary", "Appendix A: Examples", "Changelog", "Index"];

function price(rng: Rng): string {
  return `$${rng.int(4, 249)}.${rng.pick(["99", "49", "95", "00"])}`;
}

function slug(rng: Rng): string {
  return rng.pick(["category", "deals", "collections", "sale", "products"]) + "/" + rng.int(100, 9999);
}

export function navigationPage(rng: Rng): Page {
  const menu = rng.pick(MENUS);
  const site = rng.pick([...NEWS, ...SHOPS]);
  const lines = [
    menu.join(" | "),
    rng.pick(["Sign in", "Log in", "Register", "Subscribe"]) + " · " + rng.pick(["Search", "Menu", "EN | DE | FR"]),
    ...rng.sample(HEADLINES, rng.int(0, 4)).map((h) => `» ${h}`),
    rng.sample(FOOTER, rng.int(3, FOOTER.length)).join(" · "),
    `© ${rng.int(2015, 2025)} ${site.replace(/^www\./, "")}. All rights reserved.`,
  ];
  return { text: lines.join("\n"), url: `https://${site}/` };
}

export function productList(rng: Rng): Page {
  const n = rng.int(3, 18);
  const lines = [rng.pick(["Best Sellers", "Today's Deals", "Recommended for you", "Customers also bought", "New Arrivals"])];
  for (let i = 0; i < n; i++) {
    const rating = `${rng.int(3, 4)}.${rng.int(0, 9)} stars (${rng.int(3, 2400)} reviews)`;
    lines.push(`${rng.pick(ADJECTIVES)} ${rng.pick(PRODUCTS)} – ${price(rng)} – ${rng.pick(STOCK)} – ${rating}`);
  }
  lines.push(rng.pick(["Show more", "Next page »", "Load 24 more items"]));
  const site = rng.pick(SHOPS);
  return { text: lines.join("\n"), url: `https://${site}/${slug(rng)}` };
}

export function advert(rng: Rng): Page {
  const product = `${rng.pick(ADJECTIVES)} ${rng.pick(PRODUCTS)}`;
  const parts = [
    rng.pick(["BIG SUMMER SALE!", "Black Friday starts NOW!", "Limited time offer!", "Flash sale – today only!", "Clearance event!"]),
    `Up to ${rng.pick([20, 30, 40, 50, 60, 70])}% off selected items.`,
    `The ${product} you have been waiting for, now just ${price(rng)}.`,
    rng.pick([`Free delivery on orders over $${rng.pick([25, 35, 50, 75])}.`, "Free returns within 30 days.", "Buy two, get one free."]),
    rng.pick(["Shop now!", "Order today!", "Click here to claim your discount.", "Use code SAVE10 at checkout."]),
  ];
  // A family business says how long it has been around: one marker word alone is not reasoning.
  if (rng.chance(0.3)) parts.push(`Family-owned since ${rng.int(1950, 2005)}.`);
  if (rng.chance(0.5)) parts.push("*Terms and conditions apply. While stocks last.");
  return { text: parts.join(" "), url: `https://${rng.pick(SHOPS)}/promo/${rng.int(10, 999)}` };
}

export function schedule(rng: Rng): Page {
  const lines = [rng.pick(["Class timetable", "Weekly schedule", "Opening hours and classes"]) + ` – ${rng.pick(["Riverside Leisure Centre", "Northgate Gym", "Parkview Pool"])}`];
  for (const day of rng.sample(DAYS, rng.int(3, 7))) {
    const hour = rng.int(6, 19);
    lines.push(`${day} ${String(hour).padStart(2, "0")}:${rng.pick(["00", "15", "30", "45"])}  ${rng.pick(ACTIVITIES)}  (${rng.int(30, 90)} min, Studio ${rng.int(1, 4)})`);
  }
  lines.push(rng.pick(["Booking required.", "Bring your own towel.", "Members free, guests £6."]));
  return { text: lines.join("\n"), url: `https://www.${rng.pick(["riverside-leisure", "northgate-gym", "parkview-pool"])}.example/timetable` };
}

export function contents(rng: Rng): Page {
  const chapters = CHAPTERS.slice(0, rng.int(5, CHAPTERS.length));
  let page = 1;
  const lines = ["Table of Contents"];
  for (const [i, c] of chapters.entries()) {
    lines.push(`${i + 1}. ${c} ${".".repeat(rng.int(3, 20))} ${page}`);
    page += rng.int(3, 24);
  }
  return { text: lines.join("\n"), url: `https://docs.${rng.pick(["toolkit", "widgetlib", "dataforge"])}.example/v${rng.int(1, 5)}/contents` };
}

/** One page of a randomly chosen kind of boilerplate. */
export function boilerplatePage(rng: Rng): Page {
  return rng.pick([navigationPage, productList, advert, schedule, contents])(rng);
}
