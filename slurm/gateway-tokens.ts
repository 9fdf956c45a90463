// The gateway's bearer token for a deployment: created once by `matrix slurm up` in the run directory, mode 0600.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import type { GatewayPlan } from "./deploy.ts";

/**
 * Makes sure the tokens file of a generated-token gateway exists: writes one random token (32 bytes, base64url) on
 * its own line, readable by the owner only, so `export MATRIX_TOKEN=$(cat run/gateway.tokens)` is all a client needs.
 * An existing file is kept (clients holding its token keep working across `down`/`up`); its mode is tightened.
 * Returns true when a new token was written. A tokens file named in deploy.yaml is never touched.
 */
export function ensureGatewayTokens(g: GatewayPlan): boolean {
  if (!g.generateTokens) return false;
  if (existsSync(g.tokensFile)) {
    chmodSync(g.tokensFile, 0o600);
    return false;
  }
  // "wx": never overwrite a file that appeared meanwhile; the mode applies at creation, before any byte is written.
  writeFileSync(g.tokensFile, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  return true;
}
