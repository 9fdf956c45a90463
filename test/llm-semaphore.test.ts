// Tests of the abortable semaphore that caps an LLM resource's requests in flight.
import { describe, expect, it } from "vitest";
import { Semaphore } from "../services/llm/semaphore.ts";

describe("llm - semaphore", () => {
  it("llm - gives out at most `limit` permits, in arrival order", async () => {
    const s = new Semaphore(2);
    const r1 = await s.acquire();
    await s.acquire();
    const order: number[] = [];
    const third = s.acquire().then((r) => (order.push(3), r));
    const fourth = s.acquire().then((r) => (order.push(4), r));
    expect(s.held).toBe(2);
    expect(s.waiting).toBe(2);
    r1();
    r1(); // a second call of the same releaser is ignored
    const r3 = await third;
    expect(order).toEqual([3]);
    expect(s.waiting).toBe(1);
    r3();
    (await fourth)();
    expect(order).toEqual([3, 4]);
    expect(s.held).toBe(1);
  });

  it("llm - an aborted waiter leaves the queue and rejects with the abort reason", async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    const ctl = new AbortController();
    const waiting = s.acquire(ctl.signal);
    ctl.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(s.waiting).toBe(0);
    release();
    expect(s.held).toBe(0);
    await expect(s.acquire(AbortSignal.abort())).rejects.toBeDefined();
  });

  it("llm - rejects a limit below one", () => {
    expect(() => new Semaphore(0)).toThrow();
  });
});
