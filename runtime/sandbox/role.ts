// `ctx.sandbox(name)`: a pool bound to one hop of one task, recording its lease in the message.
import { ConfigError, MatrixError } from "../errors.ts";
import type { Envelope, Lease } from "../message/envelope.ts";
import { SANDBOX_LEASE_KIND, type RoleSandbox, type SandboxService } from "./types.ts";

/** The leases of `msg` from sandbox pools. */
export function sandboxLeases(msg: Envelope): Lease[] {
  return msg.leases.filter((l) => l.kind === SANDBOX_LEASE_KIND);
}

/** Binds `pool` to the task of `msg` for one hop. */
export function roleSandbox(pool: SandboxService, msg: Envelope, signal: AbortSignal): RoleSandbox {
  let acquiredHere = false;
  const held = (): Lease | undefined => msg.leases.find((l) => l.kind === SANDBOX_LEASE_KIND && l.service === pool.name);
  const lease = async (): Promise<Lease> => {
    const have = held();
    if (have) return have;
    const l = await pool.acquire(msg.task, { signal });
    msg.leases.push(l);
    acquiredHere = true;
    return l;
  };
  return {
    name: pool.name,
    lease,
    async exec(cmd, opts = {}) {
      const l = await lease();
      return pool.exec(l.id, cmd, { signal, ...opts });
    },
    async release() {
      const l = held();
      if (!l) return;
      msg.leases = msg.leases.filter((x) => x !== l);
      await pool.release(l.id);
    },
    get acquiredHere() {
      return acquiredHere;
    },
  };
}

/** Releases every sandbox lease of a finished task (the sink's duty, for every row). Never throws. */
export async function releaseTaskLeases(msg: Envelope, pools: ReadonlyMap<string, SandboxService>): Promise<string[]> {
  const problems: string[] = [];
  for (const l of sandboxLeases(msg)) {
    const pool = l.service === undefined ? undefined : pools.get(l.service);
    if (!pool) continue;
    try {
      await pool.release(l.id);
    } catch (err) {
      problems.push(`${l.service}/${l.id}: ${err instanceof MatrixError || err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

/** `ctx.sandbox` where no pool is available (unit-test contexts, baselines): every use fails with a ConfigError. */
export function noSandbox(name: string): RoleSandbox {
  const fail = (): never => {
    throw new ConfigError(`no sandbox pool "${name}" in this context`);
  };
  return { name, lease: async () => fail(), exec: async () => fail(), release: async () => fail(), acquiredHere: false };
}
