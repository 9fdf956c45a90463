// Sandbox pool: cap and FIFO wait queue, idle-lease expiry, idempotent release, close; plus the role binding.
import { afterEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { SandboxPool } from "../apptainer/pool.ts";
import { processBackend } from "../apptainer/backends/process.ts";
import { silentLogger } from "../runtime/log.ts";
import { newEnvelope } from "../runtime/source.ts";
import { roleSandbox } from "../runtime/sandbox/role.ts";
import type { SandboxSpec } from "../runtime/sandbox/types.ts";

const pools: SandboxPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

function spec(over: Partial<SandboxSpec> = {}): SandboxSpec {
  return { backend: "process", max_live: 2, lease_ttl_ms: 60_000, acquire_timeout_ms: 5_000, binds: [], env: { PATH: "/usr/bin:/bin" }, output_cap_bytes: 1 << 16, ...over };
}

function pool(over: Partial<SandboxSpec> = {}, now?: () => number): SandboxPool {
  const p = new SandboxPool("test/tools", spec(over), processBackend(), { log: silentLogger, ...(now ? { now } : {}) });
  pools.push(p);
  return p;
}

describe("sandbox pool", () => {
  it("sandbox pool - at most max_live sandboxes; waiters get freed slots in order", async () => {
    const p = pool({ max_live: 2 });
    const a = await p.acquire("t1");
    const b = await p.acquire("t2");
    const order: string[] = [];
    const c = p.acquire("t3").then((l) => (order.push("t3"), l));
    const d = p.acquire("t4").then((l) => (order.push("t4"), l));
    await new Promise((r) => setTimeout(r, 20));
    expect(p.stats()).toMatchObject({ live: 2, waiting: 2 });
    await p.release(b.id);
    const lc = await c;
    expect(order).toEqual(["t3"]);
    expect(p.stats()).toMatchObject({ live: 2, waiting: 1 });
    await p.release(a.id);
    await d;
    expect(order).toEqual(["t3", "t4"]);
    expect(p.leases().map((l) => l.task).sort()).toEqual(["t3", "t4"]);
    expect(await p.release(lc.id)).toBe(true);
    expect(await p.release(lc.id)).toBe(false);
  });

  it("sandbox pool - exec runs in the lease's own work dir with only the given environment", async () => {
    const p = pool();
    const l = await p.acquire("t1");
    const r = await p.exec(l.id, ["sh", "-c", "pwd; echo \"$FOO-$HOME\"; cat"], { stdin: "in", env: { FOO: "bar" } });
    const dir = p.leases()[0]!.workDir;
    expect(r).toMatchObject({ exit_code: 0, timed_out: false, stdout: `${dir}\nbar-\nin` });
    await p.release(l.id);
    expect(existsSync(dir)).toBe(false);
    await expect(p.exec(l.id, ["true"])).rejects.toMatchObject({ code: "lease_unknown" });
  });

  it("sandbox pool - a lease idle past its TTL expires (its task vanished) and frees its slot", async () => {
    let t = 1_000;
    const p = pool({ max_live: 1, lease_ttl_ms: 500 }, () => t);
    const l = await p.acquire("gone");
    const waiting = p.acquire("next");
    t += 400;
    expect(await p.sweep()).toBe(0);
    t += 200;
    expect(await p.sweep()).toBe(1);
    await waiting;
    expect(p.stats()).toMatchObject({ expired: 1, live: 1 });
    await expect(p.exec(l.id, ["true"])).rejects.toMatchObject({ code: "lease_unknown" });
  });

  it("sandbox pool - acquire gives up with a retryable sandbox_busy after its wait limit, and on abort", async () => {
    const p = pool({ max_live: 1, acquire_timeout_ms: 50 });
    await p.acquire("t1");
    await expect(p.acquire("t2")).rejects.toMatchObject({ code: "sandbox_busy", retryable: true });
    const ac = new AbortController();
    const w = p.acquire("t3", { signal: ac.signal });
    ac.abort(new Error("stop"));
    await expect(w).rejects.toThrow("stop");
    expect(p.stats().waiting).toBe(0);
  });

  it("sandbox pool - close destroys live sandboxes, rejects waiters and refuses new leases", async () => {
    const p = pool({ max_live: 1 });
    await p.acquire("t1");
    const dir = p.leases()[0]!.workDir;
    const w = p.acquire("t2");
    await p.close();
    await expect(w).rejects.toMatchObject({ code: "sandbox_closed" });
    expect(existsSync(dir)).toBe(false);
    await expect(p.acquire("t3")).rejects.toMatchObject({ code: "sandbox_closed" });
  });

  it("sandbox pool - ctx.sandbox records the task's lease in msg.leases once and release removes it", async () => {
    const p = pool();
    const msg = newEnvelope({ run: "r", workflow: "w", task: "k:0", trial: 0, seed: 1, first: "a", input: {}, state: {} });
    const sb = roleSandbox(p, msg, new AbortController().signal);
    await sb.exec(["true"]);
    await sb.exec(["true"]);
    expect(sb.acquiredHere).toBe(true);
    expect(msg.leases).toEqual([{ kind: "sandbox", id: p.leases()[0]!.lease.id, service: "test/tools" }]);
    const again = roleSandbox(p, msg, new AbortController().signal);
    expect((await again.lease()).id).toBe(msg.leases[0]!.id);
    expect(again.acquiredHere).toBe(false);
    await again.release();
    expect(msg.leases).toEqual([]);
    expect(p.stats()).toMatchObject({ live: 0, acquired: 1, released: 1 });
  });
});
