// A task's copy of a domain database: the shared, never-mutated base plus the records this task changed.
// Dependency-free on purpose: the sandboxed tool runner imports it.

/** A domain database as loaded from `db.json`: tables of records keyed by id. */
export type DbTables = Record<string, Record<string, unknown>>;

/**
 * Copy-on-write view of a database. Reads fall through to the base; the first write access to a record clones
 * it into the overlay. Two views over the same base are equal exactly when every record either of them touched
 * is equal, so comparing final states never serializes the whole database (2.8 MB for retail).
 */
export class TaskDb {
  readonly #base: DbTables;
  readonly #overlay = new Map<string, Map<string, unknown>>();

  constructor(base: DbTables) {
    this.#base = base;
  }

  /** Names of the tables (those of the base database). */
  tables(): string[] {
    return Object.keys(this.#base);
  }

  /** A record for reading, or undefined. Do not mutate it: use `mut`. */
  get<T = Record<string, unknown>>(table: string, id: string): T | undefined {
    const over = this.#overlay.get(table);
    if (over?.has(id)) return over.get(id) as T;
    const rows = this.#base[table];
    return rows && Object.hasOwn(rows, id) ? (rows[id] as T) : undefined;
  }

  /** A record for writing (cloned into the overlay on first access), or undefined when it does not exist. */
  mut<T = Record<string, unknown>>(table: string, id: string): T | undefined {
    const over = this.#table(table);
    if (over.has(id)) return over.get(id) as T;
    const rows = this.#base[table];
    if (!rows || !Object.hasOwn(rows, id)) return undefined;
    const copy = structuredClone(rows[id]);
    over.set(id, copy);
    return copy as T;
  }

  /** Adds or replaces a record. */
  put(table: string, id: string, record: unknown): void {
    this.#table(table).set(id, record);
  }

  /** Record ids in base order, then ids only this view added. */
  ids(table: string): string[] {
    const base = Object.keys(this.#base[table] ?? {});
    const over = this.#overlay.get(table);
    if (!over) return base;
    const known = new Set(base);
    return [...base, ...[...over.keys()].filter((k) => !known.has(k))];
  }

  /** `[table, id]` of every record this view wrote. */
  touched(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [table, over] of this.#overlay) for (const id of over.keys()) out.push([table, id]);
    return out;
  }

  /** The whole database as plain data (for small domains and debugging). */
  snapshot(): DbTables {
    const out: DbTables = {};
    for (const table of new Set([...this.tables(), ...this.#overlay.keys()])) {
      const rows: Record<string, unknown> = {};
      for (const id of this.ids(table)) rows[id] = this.get(table, id);
      out[table] = rows;
    }
    return out;
  }

  #table(table: string): Map<string, unknown> {
    let over = this.#overlay.get(table);
    if (!over) this.#overlay.set(table, (over = new Map()));
    return over;
  }
}

/** JSON with object keys sorted at every level: equal data gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** The records where two views over the same base differ, as `table/id` (empty when the databases are equal). */
export function dbDiff(a: TaskDb, b: TaskDb): string[] {
  const keys = new Map<string, [string, string]>();
  for (const t of [...a.touched(), ...b.touched()]) keys.set(`${t[0]}/${t[1]}`, t);
  const diff: string[] = [];
  for (const [key, [table, id]] of keys) {
    if (canonicalJson(a.get(table, id)) !== canonicalJson(b.get(table, id))) diff.push(key);
  }
  return diff.sort();
}
