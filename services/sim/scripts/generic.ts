// Generic text: a deterministic sentence about the request, padded by the server to the sampled length.
import { lastUserText, type Script } from "../script.ts";

const OPENERS = ["Here is a response.", "Sure.", "Let me think about that.", "Certainly.", "Good question."];

export const generic: Script = {
  name: "generic",
  match: () => true,
  reply(req) {
    const opener = OPENERS[Math.floor(req.rng() * OPENERS.length)]!;
    const topic = lastUserText(req).split(/\s+/).filter(Boolean).slice(0, 8).join(" ");
    return { content: topic ? `${opener} Regarding "${topic}":` : opener };
  },
};
