// The simulated LLM's scripts, most specific first; `generic` matches everything and stays last.
// A workflow adds its script here, before `toolUse` when its requests carry tools.
import type { Script } from "../script.ts";
import { coralAgent, coralExtractor } from "./coral.ts";
import { generic } from "./generic.ts";
import { nrFilter, nrScorer, nrWriter } from "./natural-reasoning.ts";
import { tau2Assistant, tau2Judge, tau2User } from "./tau2.ts";
import { toolUse } from "./tools.ts";

export const SCRIPTS: Script[] = [coralAgent, coralExtractor, nrFilter, nrScorer, nrWriter, tau2Assistant, tau2User, tau2Judge, toolUse, generic];
