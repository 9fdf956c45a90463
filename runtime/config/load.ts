// Loads a run config: workflow defaults, then the user's YAML file, then command-line overrides; validated once.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import * as v from "valibot";
import { parseDocument } from "yaml";
import { ConfigError } from "../errors.ts";
import type { WorkflowDefinition } from "../workflow.ts";
import { deepMerge, isPlainObject, parseOverride, type Tree } from "./merge.ts";
import { CommonConfigInput, compileLlms, type RunConfig } from "./schema.ts";

export type LoadOptions = {
  /** A workflow name or a path to a YAML config file. */
  target: string;
  overrides: string[];
  cwd: string;
  getWorkflow: (name: string) => WorkflowDefinition | undefined;
  listWorkflows: () => string[];
};

/**
 * Defaults under every workflow's own: the embedded simulated LLM runs ten times faster than real time, so the
 * main job on a laptop takes seconds (`sim.time_scale=1` simulates the GPU in real time).
 */
const RUN_DEFAULTS: Tree = { sim: { time_scale: 10 } };

function describeReceived(issue: v.BaseIssue<unknown>): string {
  return issue.received;
}

/** Turns valibot issues into one line naming the key path and what was expected. */
export function formatIssues(issues: readonly v.BaseIssue<unknown>[], prefix = ""): string {
  const parts = issues.slice(0, 3).map((issue) => {
    const path = prefix + (v.getDotPath(issue) ?? "");
    if (issue.type === "strict_object" && issue.expected === "never") {
      return `unknown key "${path}"`;
    }
    const where = path ? `key "${path}"` : "config";
    if (issue.kind === "schema") return `${where}: expected ${issue.expected}, got ${describeReceived(issue)}`;
    return `${where}: ${issue.message}`;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
  return parts.join("; ") + more;
}

function readYamlFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${path}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new ConfigError(`${path}${line ? `:${line}` : ""}: invalid YAML: ${e.message.split("\n")[0]}`);
  }
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return {};
  if (!isPlainObject(data)) throw new ConfigError(`${path}: a config file must be a mapping of keys`);
  return data;
}

function absolutize(tree: Tree, base: string): void {
  for (const section of ["dataset", "output"] as const) {
    const s = tree[section];
    if (isPlainObject(s) && typeof s.path === "string" && s.path !== "" && !isAbsolute(s.path)) s.path = resolve(base, s.path);
  }
}

function looksLikeFile(target: string): boolean {
  return /\.ya?ml$/i.test(target) || target.includes("/");
}

/** Builds the compiled config, or throws ConfigError with a one-line message. */
export function loadRunConfig(opts: LoadOptions): RunConfig {
  let fileTree: Tree = {};
  let name = opts.target;
  if (looksLikeFile(opts.target)) {
    const file = resolve(opts.cwd, opts.target);
    fileTree = readYamlFile(file);
    absolutize(fileTree, dirname(file));
    if (typeof fileTree.workflow !== "string") throw new ConfigError(`${file}: missing key "workflow" (the workflow to run)`);
    name = fileTree.workflow;
  }
  const wf = opts.getWorkflow(name);
  if (!wf) throw new ConfigError(`unknown workflow "${name}" (known: ${opts.listWorkflows().join(", ")})`);

  let overTree: Tree = {};
  for (const o of opts.overrides) overTree = deepMerge(overTree, parseOverride(o));
  absolutize(overTree, opts.cwd);
  if (typeof overTree.workflow === "string" && overTree.workflow !== wf.name) {
    throw new ConfigError(`key "workflow": cannot be overridden (running "${wf.name}")`);
  }

  const defaults = deepMerge(structuredClone(RUN_DEFAULTS), structuredClone(wf.defaults) as Tree);
  absolutize(defaults, opts.cwd);
  const merged = deepMerge(deepMerge(defaults, fileTree), overTree);
  const { [wf.name]: section, ...common } = merged;

  const parsed = v.safeParse(CommonConfigInput, common);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.issues));
  const params = v.safeParse(wf.params, section ?? {});
  if (!params.success) throw new ConfigError(formatIssues(params.issues, `${wf.name}.`));
  const c = parsed.output;

  if (!c.dataset.path) throw new ConfigError(`key "dataset.path": required (a JSONL or JSONL.gz file)`);
  const llm = compileLlms(c.llm);
  for (const needed of wf.llms) {
    if (!llm[needed]) throw new ConfigError(`key "llm.${needed}": required by workflow "${wf.name}"`);
  }
  return {
    workflow: wf.name,
    dataset: { path: resolve(opts.cwd, c.dataset.path), limit: c.dataset.limit, id_key: c.dataset.id_key },
    output: {
      path: resolve(opts.cwd, c.output.path ?? `out/${wf.name}.jsonl`),
      success_only: c.output.success_only,
      include_history: c.output.include_history,
    },
    max_concurrent_tasks: c.max_concurrent_tasks,
    seed: c.seed,
    trials: c.trials,
    max_attempts: c.max_attempts,
    retry: { initial_ms: Math.round((c.retry.initial_s ?? 1) * 1000), max_ms: Math.round((c.retry.max_s ?? 60) * 1000) },
    offload_threshold_bytes: c.offload_threshold_bytes,
    llm,
    sim: c.sim as RunConfig["sim"],
    progress: { interval_ms: Math.round((c.progress.interval_s ?? 5) * 1000), mode: c.progress.mode ?? "auto" },
    params: params.output as Record<string, unknown>,
  };
}

/** The compiled config in the shape of a config file (the workflow's section under its name). */
export function configAsTree(c: RunConfig): Tree {
  const { params, ...rest } = c;
  return { ...rest, [c.workflow]: params };
}
