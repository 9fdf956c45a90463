// Bearer tokens of the gateway: read from a file or an environment variable, compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";

/** One accepted token: a name for logs (never the token), its digest and the workflows it may use (null: all). */
export type TokenEntry = { name: string; digest: Buffer; workflows: string[] | null };

const digest = (token: string) => createHash("sha256").update(token).digest();

/**
 * The accepted tokens. Text format: one token per line (or `;`-separated), optionally followed by a space and a
 * comma-separated list of the workflows it may use; `#` starts a comment.
 *
 * @example TokenSet.parse("s3cret\nci-token coral,inference", "tokens.txt")
 */
export class TokenSet {
  readonly entries: readonly TokenEntry[];

  constructor(entries: TokenEntry[]) {
    this.entries = entries;
  }

  static parse(text: string, source: string): TokenSet {
    const entries: TokenEntry[] = [];
    text.split(/[\n;]/).forEach((raw, i) => {
      const line = raw.replace(/#.*$/, "").trim();
      if (line === "") return;
      const [token, scope, extra] = line.split(/\s+/);
      if (extra !== undefined || token === undefined || token.length < 8) {
        throw new Error(`${source}: entry ${i + 1}: expected "<token of 8+ characters> [workflow,...]"`);
      }
      const workflows = scope === undefined ? null : scope.split(",").filter((w) => w !== "");
      entries.push({ name: `${source}#${i + 1}`, digest: digest(token), workflows });
    });
    if (entries.length === 0) throw new Error(`${source}: no tokens`);
    return new TokenSet(entries);
  }

  /** The entry of a presented token, or undefined. Every entry is compared, so timing does not tell which matched. */
  match(presented: string): TokenEntry | undefined {
    const d = digest(presented);
    let found: TokenEntry | undefined;
    for (const e of this.entries) if (timingSafeEqual(d, e.digest) && found === undefined) found = e;
    return found;
  }
}

/** Whether a token (undefined: auth is off) may use a workflow. */
export function mayUse(entry: TokenEntry | undefined, workflow: string): boolean {
  return entry === undefined || entry.workflows === null || entry.workflows.includes(workflow);
}
