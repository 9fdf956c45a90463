// The `tau2.*` config section.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as v from "valibot";

/** The shared tau2 retail domain beside the project (`../shared/data/tau2/retail`); the project runs without it. */
export const DEFAULT_DOMAIN_DIR = fileURLToPath(new URL("../../../shared/data/tau2/retail", import.meta.url));

const posInt = v.pipe(v.number(), v.integer(), v.minValue(1));

export const Tau2Params = v.pipe(
  v.strictObject({
    /** The domain folder: `db.json`, `policy.md` (and `tasks.json`, the dataset). Its name picks the tools (retail, mock). */
    domain_dir: v.optional(v.string(), DEFAULT_DOMAIN_DIR),
    /** Messages (user, assistant, tool results) after which a conversation ends with `max_steps` (200 in the reference). */
    max_steps: v.optional(posInt, 200),
    /**
     * Simulation aid for the simulated LLM: `oracle` puts the task's gold actions in a marked block of the assistant's
     * system prompt (the scripted assistant replays them), `perturbed` also asks it to drop or alter one write.
     * Never set it with a real model: the block would leak the answer.
     */
    sim_mode: v.optional(v.picklist(["off", "oracle", "perturbed"]), "off"),
    /** Grade `nl_assertions` with the `judge` LLM; the reward is then DB match x all assertions met. */
    judge: v.optional(v.boolean(), false),
    tools: v.optional(
      v.strictObject({
        /** Where tool calls run: in this process (`none`) or in a sandbox lease per task. */
        sandbox: v.optional(v.picklist(["none", "bubblewrap", "apptainer", "process"]), "none"),
        /** Time limit of one sandboxed tool call; a call past it is killed and returns a timeout error. */
        timeout_s: v.optional(v.pipe(v.number(), v.minValue(0.1)), 30),
        /** Sandboxes alive at once; further tasks wait for a lease. */
        max_sandboxes: v.optional(posInt, 8),
        /** A lease not used for this long is released (its task vanished). */
        lease_ttl_s: v.optional(v.pipe(v.number(), v.minValue(1)), 600),
        /** Apptainer image (`.sif` or a sandbox directory) for `sandbox: apptainer`; it must provide the runtime. */
        image: v.optional(v.string(), ""),
        /**
         * A sandbox service (`engine: sandbox` in services.yaml) that runs the tool calls when the run is distributed
         * (`--nats`); it implies sandboxed tools (`sandbox: none` becomes `bubblewrap`, the backend of embedded runs).
         */
        sandbox_service: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, "expected a service name (letters, digits, _ or -)"))),
      }),
      {},
    ),
  }),
  // Checked once when the config compiles: a run without the domain folder stops with one line, not a row per task.
  v.forward(
    v.check((p) => existsSync(p.domain_dir), (issue) => `domain folder ${String((issue.input as { domain_dir?: unknown }).domain_dir)} not found (it must hold db.json and policy.md)`),
    ["domain_dir"],
  ),
  v.transform((p) => (p.tools.sandbox_service !== undefined && p.tools.sandbox === "none" ? { ...p, tools: { ...p.tools, sandbox: "bubblewrap" as const } } : p)),
);
export type Tau2Params = v.InferOutput<typeof Tau2Params>;
