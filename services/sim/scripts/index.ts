// The simulated LLM's scripts, most specific first; `generic` matches everything and stays last.
// A workflow adds its script here, before `toolUse` when its requests carry tools.
import type { Script } from "../script.ts";
import { coralAgent, coralExtractor } from "./coral.ts";
import { generic } from "./generic.ts";
import { nrFilter, nrScorer, nrWriter } from "./natural-reasoning.ts";
import { toolUse } from "./tools.ts";

export const SCRIPTS: Script[] = [coralAgent, coralExtractor, nrFilter, nrScorer, nrWriter, toolUse, generic];
