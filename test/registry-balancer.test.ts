// Tests of the balancer over a changing replica set: joins and leaves, per-replica caps, routing policies, waiting.
import { describe, expect, it } from "vitest";
import { Balancer } from "../services/llm/balancer.ts";

const A = "http://a/v1";
const B = "http://b/v1";
const C = "http://c/v1";

describe("registry - dynamic balancer", () => {
  it("registry - an empty set refuses, then serves the replicas that join", () => {
    const b = new Balancer([]);
    expect(b.tryPick("k")).toBeUndefined();
    b.setReplicas([{ url: A, model: "m-a" }]);
    expect(b.tryPick("k")).toBe(A);
    expect(b.modelOf(A)).toBe("m-a");
  });

  it("registry - a replica that leaves gets nothing more; its in-flight release is harmless", () => {
    const b = new Balancer([A, B]);
    const first = b.pick("task");
    b.setReplicas([{ url: first === A ? B : A }]);
    expect(b.release(first, "fail")).toEqual({ ejected: false, cooldown_ms: 0 });
    for (let i = 0; i < 10; i++) {
      const u = b.pick(`t${i}`);
      expect(u).not.toBe(first);
      b.release(u, "ok");
    }
  });

  it("registry - a known replica keeps its health across set changes", () => {
    const b = new Balancer([A, B]);
    for (let i = 0; i < 3; i++) b.release(b.pick(undefined, new Set([B])), "fail");
    b.setReplicas([{ url: A }, { url: B }, { url: C }]);
    expect(b.state().find((s) => s.url === A)?.failures).toBe(3);
    for (let i = 0; i < 12; i++) {
      const u = b.pick(`k${i}`);
      expect(u).not.toBe(A);
      b.release(u, "ok");
    }
  });

  it("registry - sticky keys move only when their replica leaves", () => {
    const b = new Balancer([A, B, C]);
    const home = new Map<string, string>();
    for (let i = 0; i < 60; i++) {
      const u = b.pick(`task-${i}`);
      b.release(u, "ok");
      home.set(`task-${i}`, u);
    }
    b.setReplicas([{ url: A }, { url: B }]);
    for (const [key, u] of home) {
      const now = b.pick(key);
      b.release(now, "ok");
      if (u !== C) expect(now).toBe(u);
    }
  });

  it("registry - a saturated replica is left by its sticky keys; all saturated means wait", async () => {
    const b = new Balancer([{ url: A, max_ongoing: 2 }, { url: B, max_ongoing: 2 }]);
    const home = b.pick("k");
    expect(b.tryPick("k")).toBe(home);
    // Home is at its cap of 2: the key spills to the other replica.
    const other = b.tryPick("k")!;
    expect(other).not.toBe(home);
    expect(b.tryPick("x")).toBe(other);
    expect(b.tryPick("y")).toBeUndefined();
    const woken = b.whenChanged();
    b.release(home, "ok");
    await woken;
    expect(b.tryPick("y")).toBe(home);
  });

  it("registry - the default cap applies to replicas that name none; pick still serves when saturated", () => {
    const b = new Balancer([A], { max_ongoing: 1 });
    expect(b.tryPick()).toBe(A);
    expect(b.tryPick()).toBeUndefined();
    expect(b.pick()).toBe(A);
    expect(b.state()[0]?.outstanding).toBe(2);
  });

  it("registry - a waiter is woken by a set change and times out", async () => {
    const b = new Balancer([]);
    const w = b.whenChanged();
    b.setReplicas([{ url: A }]);
    await w;
    const t0 = Date.now();
    await b.whenChanged(undefined, 30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    const ctl = new AbortController();
    const aborted = b.whenChanged(ctl.signal);
    ctl.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
  });

  it("registry - least_outstanding ignores keys, random spreads a key everywhere", () => {
    const lo = new Balancer([A, B], { policy: "least_outstanding" });
    const x = lo.pick("same");
    expect(lo.pick("same")).not.toBe(x);
    let r = 0;
    const seq = [0.1, 0.9, 0.5, 0.2, 0.7];
    const rnd = new Balancer([A, B, C], { policy: "random", random: () => seq[r++ % seq.length]! });
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const u = rnd.pick("same");
      rnd.release(u, "ok");
      seen.add(u);
    }
    expect(seen.size).toBe(3);
  });
});
