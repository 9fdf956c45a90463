// A tau2 domain folder (`db.json`, `policy.md`): loaded once per process and per path, shared by every task.
// Dependency-free apart from the runtime's error class: the sandboxed tool runner imports it.
import { existsSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { ConfigError } from "../../runtime/errors.ts";
import type { DbTables } from "./db.ts";
import type { Toolkit } from "./toolkit.ts";
import { mockToolkit } from "./tools/mock.ts";
import { retailToolkit } from "./tools/retail.ts";

/** The toolkits by domain name (the domain folder's name). */
export const TOOLKITS: Record<string, Toolkit> = { retail: retailToolkit, mock: mockToolkit };

/** A loaded domain: its name, the assistant's policy, the initial database (never mutated) and its tools. */
export type Domain = {
  name: string;
  dir: string;
  policy: string;
  db: DbTables;
  toolkit: Toolkit;
};

const loaded = new Map<string, Domain>();

/**
 * Loads the domain folder `dir` (cached). The domain is the folder's name (`retail`, `mock`).
 * A missing folder or file is a `ConfigError` with one line naming the path and the config key.
 */
export function loadDomain(dir: string): Domain {
  const abs = resolve(dir);
  const hit = loaded.get(abs);
  if (hit) return hit;
  if (!existsSync(abs)) throw new ConfigError(`tau2: domain folder ${abs} not found (set tau2.domain_dir to a folder with db.json and policy.md)`);
  const name = basename(abs);
  const toolkit = TOOLKITS[name];
  if (!toolkit) throw new ConfigError(`tau2: unknown domain "${name}" (folder ${abs}); known domains: ${Object.keys(TOOLKITS).join(", ")}`);
  const read = (file: string): string => {
    const path = `${abs}/${file}`;
    if (!existsSync(path)) throw new ConfigError(`tau2: ${path} not found (tau2.domain_dir must hold db.json and policy.md)`);
    return readFileSync(path, "utf8");
  };
  const domain: Domain = { name, dir: abs, policy: read("policy.md"), db: JSON.parse(read("db.json")) as DbTables, toolkit };
  loaded.set(abs, domain);
  return domain;
}
