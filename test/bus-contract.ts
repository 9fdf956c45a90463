// The bus contract suite: every Bus implementation (memory, NATS) must pass these.
import { afterEach, describe, expect, it } from "vitest";
import type { Bus, Delivery } from "../runtime/bus/types.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Registers the contract tests for a bus made by `make` (a fresh, empty bus each test). */
export function busContract(name: string, make: () => Promise<Bus>): void {
  describe(`bus contract - ${name}`, () => {
    let bus: Bus | undefined;
    afterEach(async () => {
      await bus?.close();
      bus = undefined;
    });

    it(`${name} - delivers every published message once, in order for one consumer of concurrency 1`, async () => {
      bus = await make();
      const got: string[] = [];
      bus.consume("wf", "a", { concurrency: 1, handler: async (d) => { got.push(dec(d.data)); await d.ack(); } });
      for (let i = 0; i < 50; i++) await bus.publish("wf", "a", enc(`m${i}`));
      await until(() => got.length === 50);
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    });

    it(`${name} - keeps roles and workflows apart`, async () => {
      bus = await make();
      const a: string[] = [];
      const b: string[] = [];
      bus.consume("wf", "a", { concurrency: 4, handler: async (d) => { a.push(dec(d.data)); await d.ack(); } });
      bus.consume("wf2", "a", { concurrency: 4, handler: async (d) => { b.push(dec(d.data)); await d.ack(); } });
      await bus.publish("wf", "a", enc("x"));
      await bus.publish("wf2", "a", enc("y"));
      await until(() => a.length === 1 && b.length === 1);
      expect(a).toEqual(["x"]);
      expect(b).toEqual(["y"]);
    });

    it(`${name} - never runs more handlers at once than the concurrency`, async () => {
      bus = await make();
      let running = 0;
      let peak = 0;
      let done = 0;
      bus.consume("wf", "a", {
        concurrency: 3,
        handler: async (d) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 10));
          running--;
          done++;
          await d.ack();
        },
      });
      for (let i = 0; i < 30; i++) await bus.publish("wf", "a", enc(String(i)));
      await until(() => done === 30);
      expect(peak).toBe(3);
    });

    it(`${name} - shares one role's queue among consumers (each message to one of them)`, async () => {
      bus = await make();
      const seen = new Map<string, number>();
      const perConsumer = [0, 0];
      for (const idx of [0, 1]) {
        bus.consume("wf", "a", {
          concurrency: 2,
          handler: async (d) => {
            perConsumer[idx]!++;
            seen.set(dec(d.data), (seen.get(dec(d.data)) ?? 0) + 1);
            await new Promise((r) => setTimeout(r, 2));
            await d.ack();
          },
        });
      }
      for (let i = 0; i < 40; i++) await bus.publish("wf", "a", enc(String(i)));
      await until(() => seen.size === 40);
      await new Promise((r) => setTimeout(r, 50));
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect(perConsumer[0]! + perConsumer[1]!).toBe(40);
      expect(perConsumer[0]).toBeGreaterThan(0);
      expect(perConsumer[1]).toBeGreaterThan(0);
    });

    it(`${name} - retry redelivers after the delay with attempt + 1`, async () => {
      bus = await make();
      const attempts: { attempt: number; at: number }[] = [];
      bus.consume("wf", "a", {
        concurrency: 1,
        handler: async (d) => {
          attempts.push({ attempt: d.attempt, at: Date.now() });
          if (d.attempt < 3) await d.retry(100);
          else await d.ack();
        },
      });
      await bus.publish("wf", "a", enc("r"));
      await until(() => attempts.length === 3);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(90);
      await new Promise((r) => setTimeout(r, 150));
      expect(attempts.length).toBe(3);
    });

    it(`${name} - fail drops the message for good and emits an event`, async () => {
      bus = await make();
      const events: string[] = [];
      bus.on((e) => events.push(e.type));
      let calls = 0;
      bus.consume("wf", "a", { concurrency: 1, handler: async (d) => { calls++; await d.fail("bad"); } });
      await bus.publish("wf", "a", enc("f"));
      await until(() => events.includes("failed"));
      await new Promise((r) => setTimeout(r, 200));
      expect(calls).toBe(1);
    });

    it(`${name} - a handler that throws without settling gets the message again`, async () => {
      bus = await make();
      const attempts: number[] = [];
      bus.consume("wf", "a", {
        concurrency: 1,
        handler: async (d: Delivery) => {
          attempts.push(d.attempt);
          if (d.attempt === 1) throw new Error("boom");
          await d.ack();
        },
      });
      await bus.publish("wf", "a", enc("t"));
      await until(() => attempts.length === 2, 20_000);
      expect(attempts).toEqual([1, 2]);
    });

    it(`${name} - drops a second publish with the same dedup id`, async () => {
      bus = await make();
      const got: string[] = [];
      bus.consume("wf", "a", { concurrency: 4, handler: async (d) => { got.push(dec(d.data)); await d.ack(); } });
      await bus.publish("wf", "a", enc("first"), { id: "run/task/1" });
      await bus.publish("wf", "a", enc("second"), { id: "run/task/1" });
      await bus.publish("wf", "a", enc("other"), { id: "run/task/2" });
      await until(() => got.length === 2);
      await new Promise((r) => setTimeout(r, 100));
      expect(got.sort()).toEqual(["first", "other"]);
    });

    it(`${name} - depth counts waiting messages; drain waits for in-flight handlers`, async () => {
      bus = await make();
      for (let i = 0; i < 5; i++) await bus.publish("wf", "a", enc(String(i)));
      await until(() => true);
      expect(await bus.depth("wf", "a")).toBe(5);
      let finished = 0;
      const c = bus.consume("wf", "a", {
        concurrency: 2,
        handler: async (d) => {
          await new Promise((r) => setTimeout(r, 50));
          finished++;
          await d.ack();
        },
      });
      await until(() => c.inFlight === 2);
      await c.drain();
      expect(c.inFlight).toBe(0);
      expect(finished).toBeGreaterThanOrEqual(2);
      expect(finished).toBeLessThan(5);
    });

    it(`${name} - emits progress events for publish and ack`, async () => {
      bus = await make();
      const events: string[] = [];
      const off = bus.on((e) => events.push(`${e.type}:${e.role}`));
      bus.consume("wf", "a", { concurrency: 1, handler: async (d) => d.ack() });
      await bus.publish("wf", "a", enc("e"));
      await until(() => events.includes("acked:a"));
      off();
      expect(events).toContain("published:a");
    });
  });
}
