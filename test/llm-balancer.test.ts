// Tests of the static-list balancer: least outstanding, sticky keys, failover and ejection with probes.
import { describe, expect, it } from "vitest";
import { Balancer } from "../services/llm/balancer.ts";

const URLS = ["http://a/v1", "http://b/v1", "http://c/v1"];

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe("llm - balancer", () => {
  it("llm - spreads unkeyed requests by least outstanding", () => {
    const b = new Balancer(URLS);
    const picked = [b.pick(), b.pick(), b.pick()];
    expect(new Set(picked).size).toBe(3);
    b.release("http://b/v1", "ok");
    expect(b.pick()).toBe("http://b/v1");
  });

  it("llm - the same key goes to the same URL every time", () => {
    const b = new Balancer(URLS);
    for (const key of ["task-1", "task-2", "task-3", "task-4"]) {
      const first = b.pick(key);
      b.release(first, "ok");
      for (let i = 0; i < 5; i++) {
        const u = b.pick(key);
        b.release(u, "ok");
        expect(u).toBe(first);
      }
    }
  });

  it("llm - keys spread over the URLs", () => {
    const b = new Balancer(URLS);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const u = b.pick(`task-${i}`);
      b.release(u, "ok");
      seen.add(u);
    }
    expect(seen.size).toBe(3);
  });

  it("llm - a sticky URL stays under light load and is left when overloaded", () => {
    const b = new Balancer(["http://a/v1", "http://b/v1"]);
    const home = b.pick("k");
    // Light load: two outstanding on the home URL still keeps the key there.
    expect(b.pick("k")).toBe(home);
    expect(b.pick("k")).toBe(home);
    // Three outstanding against zero elsewhere is more than twice the others' mean (floored at 1).
    const spill = b.pick("k");
    expect(spill).not.toBe(home);
    expect(b.state().find((s) => s.url === home)?.outstanding).toBe(3);
  });

  it("llm - avoided URLs are skipped unless nothing else is left", () => {
    const b = new Balancer(["http://a/v1", "http://b/v1"]);
    const home = b.pick("k");
    b.release(home, "fail");
    const other = b.pick("k", new Set([home]));
    expect(other).not.toBe(home);
    b.release(other, "ok");
    const only = new Balancer(["http://a/v1"]);
    expect(only.pick("k", new Set(["http://a/v1"]))).toBe("http://a/v1");
  });

  it("llm - three consecutive failures eject a URL, the cool-down doubles, one probe restores it", () => {
    const c = clock();
    const b = new Balancer(["http://a/v1", "http://b/v1"], { now: c.now });
    const a = "http://a/v1";
    const fail = () => b.release(b.pick(undefined, new Set(["http://b/v1"])), "fail");
    expect(fail().ejected).toBe(false);
    expect(fail().ejected).toBe(false);
    expect(fail()).toEqual({ ejected: true, cooldown_ms: 5_000 });
    // Ejected: every pick goes to b, even when a is a key's home.
    for (let i = 0; i < 10; i++) {
      const u = b.pick(`key-${i}`);
      expect(u).toBe("http://b/v1");
      b.release(u, "ok");
    }
    c.advance(5_000);
    // Past the cool-down one probe goes through; while it runs, a gets nothing else.
    const probe = b.pick(undefined, new Set(["http://b/v1"]));
    expect(probe).toBe(a);
    expect(b.pick(undefined, new Set(["http://b/v1"]))).toBe("http://b/v1");
    b.release("http://b/v1", "ok");
    // The probe fails: ejected again for twice as long.
    expect(b.release(probe, "fail")).toEqual({ ejected: true, cooldown_ms: 10_000 });
    c.advance(9_999);
    expect(b.pick(undefined, new Set(["http://b/v1"]))).toBe("http://b/v1");
    b.release("http://b/v1", "ok");
    c.advance(1);
    const probe2 = b.pick(undefined, new Set(["http://b/v1"]));
    expect(probe2).toBe(a);
    expect(b.release(probe2, "ok").ejected).toBe(false);
    expect(b.state().find((s) => s.url === a)).toMatchObject({ failures: 0, ejected_until: 0, probing: false });
  });

  it("llm - the cool-down is capped", () => {
    const c = clock();
    const b = new Balancer(["http://a/v1"], { now: c.now, cooldown_ms: 5_000, max_cooldown_ms: 60_000 });
    const cooldowns: number[] = [];
    for (let i = 0; i < 3; i++) b.release(b.pick(), "fail");
    cooldowns.push(b.state()[0]!.ejected_until - c.now());
    for (let round = 0; round < 6; round++) {
      c.advance(120_000);
      const info = b.release(b.pick(), "fail");
      cooldowns.push(info.cooldown_ms);
    }
    expect(cooldowns).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  it("llm - a success resets the failure count; neutral outcomes change nothing", () => {
    const b = new Balancer(["http://a/v1"]);
    b.release(b.pick(), "fail");
    b.release(b.pick(), "fail");
    b.release(b.pick(), "ok");
    b.release(b.pick(), "fail");
    b.release(b.pick(), "neutral");
    expect(b.state()[0]).toMatchObject({ failures: 1, outstanding: 0, ejected_until: 0 });
  });

  it("llm - when every URL is ejected the one that recovers first is still used", () => {
    const c = clock();
    const b = new Balancer(["http://a/v1", "http://b/v1"], { now: c.now });
    for (let i = 0; i < 3; i++) b.release(b.pick(undefined, new Set(["http://b/v1"])), "fail");
    c.advance(1_000);
    for (let i = 0; i < 3; i++) b.release(b.pick(undefined, new Set(["http://a/v1"])), "fail");
    const u = b.pick("anything");
    expect(u).toBe("http://a/v1");
    b.release(u, "ok");
  });
});
