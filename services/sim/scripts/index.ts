// The simulated LLM's scripts, most specific first; `generic` matches everything and stays last.
import type { Script } from "../script.ts";
import { generic } from "./generic.ts";

export const SCRIPTS: Script[] = [generic];
