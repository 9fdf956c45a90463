// Tests of the pure backoff and Retry-After functions.
import { describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter } from "../services/llm/backoff.ts";

const policy = { initial_ms: 100, max_ms: 1_000, multiplier: 2 };
const almostOne = () => 0.999999;

describe("llm - backoffDelay", () => {
  it.each([
    [0, 99],
    [1, 199],
    [2, 399],
    [3, 799],
    [4, 999],
    [10, 999],
    [1_000, 999],
    [-1, 99],
    [Number.NaN, 99],
  ])("llm - attempt %s with the top of the jitter waits %s ms", (attempt, expected) => {
    expect(backoffDelay(attempt, policy, almostOne)).toBe(expected);
  });

  it("llm - full jitter spans zero to the ceiling", () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
  });

  it("llm - a random source out of range is clamped", () => {
    expect(backoffDelay(0, policy, () => 7)).toBe(100);
    expect(backoffDelay(0, policy, () => -1)).toBe(0);
    expect(backoffDelay(0, policy, () => Number.NaN)).toBe(0);
  });

  it("llm - a zero policy never waits", () => {
    expect(backoffDelay(5, { initial_ms: 0, max_ms: 0, multiplier: 2 }, almostOne)).toBe(0);
  });

  it("llm - multiplier 1 keeps a constant ceiling", () => {
    expect(backoffDelay(8, { initial_ms: 50, max_ms: 10_000, multiplier: 1 }, almostOne)).toBe(49);
  });

  it("llm - delays stay within bounds for many draws", () => {
    for (let a = 0; a < 20; a++) {
      const d = backoffDelay(a, policy);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1_000);
    }
  });
});

describe("llm - parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each<[string | null, number | undefined]>([
    ["1", 1_000],
    ["0", 0],
    [" 120 ", 120_000],
    ["1.5", 1_500],
    ["Thu, 01 Jan 2026 00:00:05 GMT", 5_000],
    ["Wed, 31 Dec 2025 23:59:00 GMT", 0],
    [null, undefined],
    ["", undefined],
    ["soon", undefined],
    ["-5", undefined],
    ["2026", 2_026_000],
    ["12abc", undefined],
  ])("llm - Retry-After %j is %s ms", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
