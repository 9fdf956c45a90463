// GPU assignment: each replica gets its own GPUs from the manager's pool, never shared (CUDA_VISIBLE_DEVICES).
import { ConfigError } from "../../runtime/errors.ts";

/**
 * The pool this manager hands out: the configured list, else `CUDA_VISIBLE_DEVICES` (what SLURM or the user
 * granted), else `0 .. needed-1`.
 */
export function gpuPool(configured: readonly (number | string)[] | null, visible: string | undefined, needed: number): string[] {
  if (configured !== null) return configured.map(String);
  const fromEnv = (visible ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (visible !== undefined && fromEnv.length > 0) return fromEnv;
  return Array.from({ length: needed }, (_, i) => String(i));
}

/**
 * Splits `pool` into consecutive, disjoint groups of the sizes in `needs` (one per replica, in order).
 * Throws a ConfigError saying how many GPUs are missing.
 *
 * @example assignGpus(["0", "1", "2", "3"], [2, 1]) // [["0", "1"], ["2"]]
 */
export function assignGpus(pool: readonly string[], needs: readonly number[]): string[][] {
  const total = needs.reduce((a, b) => a + b, 0);
  if (total > pool.length) {
    throw new ConfigError(`gpus: the services need ${total} GPUs but only ${pool.length} are available (${pool.join(",") || "none"})`);
  }
  if (new Set(pool).size !== pool.length) throw new ConfigError(`gpus: the pool lists a GPU twice (${pool.join(",")})`);
  const out: string[][] = [];
  let next = 0;
  for (const n of needs) {
    out.push(pool.slice(next, next + n));
    next += n;
  }
  return out;
}
