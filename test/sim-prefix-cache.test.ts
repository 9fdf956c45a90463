// The simulated LLM's prefix cache: shared prefixes hit, prefill shrinks, LRU eviction, hit rate in stats and metrics.
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../services/llm/openai.ts";
import { SimEngine } from "../services/sim/engine.ts";
import { compileSimOptions } from "../services/sim/options.ts";
import { BLOCK_TOKENS, PrefixCache } from "../services/sim/prefix-cache.ts";
import { ManualClock } from "./sim-clock.ts";
import { chatBody, okJson } from "./sim-helpers.ts";

const words = (n: number, seed: string) => Array.from({ length: n }, (_, i) => `${seed}${i}`).join(" ");

describe("sim - prefix cache", () => {
  it("sim - a prompt extending a cached one hits its full blocks; another prefix misses", () => {
    const c = new PrefixCache(10_000);
    const first = "a".repeat(64 * 10 + 5);
    expect(c.admit(first, 162)).toEqual({ hit_tokens: 0, query_tokens: 162 });
    expect(c.admit(first + "b".repeat(300), 237)).toEqual({ hit_tokens: 10 * BLOCK_TOKENS, query_tokens: 237 });
    expect(c.admit("x" + first, 162).hit_tokens).toBe(0);
    // The last token is always computed.
    expect(c.admit("a".repeat(64 * 4), 64).hit_tokens).toBe(63);
  });

  it("sim - the least recently used blocks leave when the capacity is reached", () => {
    const c = new PrefixCache(4 * BLOCK_TOKENS);
    const a = "a".repeat(64 * 4);
    const b = "b".repeat(64 * 4);
    c.admit(a, 64);
    c.admit(b, 64);
    expect(c.size).toBe(4);
    expect(c.admit(a, 65).hit_tokens).toBe(0);
    expect(c.admit(a + "z", 65).hit_tokens).toBe(64);
  });

  it("sim - a finished reply is cached with its prompt, so the next turn hits through it", async () => {
    const e = new SimEngine(compileSimOptions({ prefix_cache: true, time_scale: 1000, output_len: { dist: "fixed", value: 200 } }));
    const turn1: ChatMessage[] = [{ role: "system", content: words(100, "rule") }, { role: "user", content: "first question" }];
    const r1 = okJson(await e.handle("chat", chatBody(turn1)));
    const turn2: ChatMessage[] = [...turn1, { role: "assistant", content: r1.choices[0]!.message.content }, { role: "user", content: "second question" }];
    const before = e.stats().prefix_cache_hits;
    const r2 = okJson(await e.handle("chat", chatBody(turn2)));
    const hit = e.stats().prefix_cache_hits - before;
    // Everything but the new user turn and the partial last block.
    expect(hit).toBeGreaterThan(r1.usage.prompt_tokens + r1.usage.completion_tokens - 2 * BLOCK_TOKENS);
    expect(hit).toBeLessThan(r2.usage.prompt_tokens);
    await e.close();
  });

  it("sim - the second turn of a conversation pays prefill only for its new tokens", async () => {
    const timeOf = async (prefix_cache: boolean) => {
      const clock = new ManualClock();
      const e = new SimEngine(
        compileSimOptions({ prefix_cache, prefill_ms_per_token: 1, decode_step_ms: 1, decode_ms_per_seq: 0, output_len: { dist: "fixed", value: 1 } }),
        { clock },
      );
      const turn1: ChatMessage[] = [{ role: "system" as const, content: words(400, "rule") }, { role: "user" as const, content: "first question" }];
      const turn2 = [...turn1, { role: "assistant" as const, content: "an answer" }, { role: "user" as const, content: "second question" }];
      const run = async (messages: ChatMessage[]) => {
        const start = clock.t;
        let done = false;
        const p = e.handle("chat", chatBody(messages)).then((r) => ((done = true), r));
        while (!done) {
          clock.advanceTo(clock.t + 5);
          await new Promise((r) => setImmediate(r));
        }
        okJson(await p);
        return clock.t - start;
      };
      await run(turn1);
      const second = await run(turn2);
      const stats = e.stats();
      const metrics = await e.metrics.text();
      await e.close();
      return { second, stats, metrics };
    };
    const cold = await timeOf(false);
    const warm = await timeOf(true);
    expect(cold.second).toBeGreaterThan(500);
    expect(warm.second).toBeLessThan(60);
    expect(cold.stats).toMatchObject({ prefix_cache_queries: 0, prefix_cache_hits: 0, prefix_cache_hit_rate: 0 });
    expect(warm.stats.prefix_cache_hits).toBeGreaterThan(0);
    expect(warm.stats.prefix_cache_hit_rate).toBeCloseTo(warm.stats.prefix_cache_hits / warm.stats.prefix_cache_queries);
    expect(warm.metrics).toMatch(new RegExp(`vllm:prefix_cache_hits_total\\{model_name="sim"\\} ${warm.stats.prefix_cache_hits}\\n`));
    expect(warm.metrics).toMatch(/vllm:prefix_cache_queries_total\{model_name="sim"\} \d+/);
  });
});
