// Renders the built-in workflows' sample datasets and writes them under a workflows folder.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { coralSample } from "./coral.ts";
import { naturalReasoningSample } from "./documents.ts";
import { createRng } from "./prng.ts";
import { inferenceSample } from "./requests.ts";

/** Each sample's own seed, so changing one generator leaves the other files as they are. */
export const SAMPLE_SEEDS = { coral: 0xc0a1, "natural-reasoning": 0x4e52, inference: 0x1f3 } as const;

const SAMPLES: Record<string, () => unknown[]> = {
  "coral/sample.jsonl": () => coralSample(createRng(SAMPLE_SEEDS.coral)),
  "natural-reasoning/sample.jsonl": () => naturalReasoningSample(createRng(SAMPLE_SEEDS["natural-reasoning"])),
  "inference/sample.jsonl": () => inferenceSample(createRng(SAMPLE_SEEDS.inference)),
};

/** The sample files by path relative to the workflows folder, as JSONL text (one row per line). */
export function renderSamples(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, rows] of Object.entries(SAMPLES)) out.set(path, rows().map((r) => JSON.stringify(r)).join("\n") + "\n");
  return out;
}

/** Writes every sample under `root` (a workflows folder); returns the paths written. */
export function writeSamples(root: string): string[] {
  const written: string[] = [];
  for (const [rel, text] of renderSamples()) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}
