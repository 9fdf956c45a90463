// Prometheus metrics of one simulated LLM engine, under vLLM's names, in a registry of its own.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** vLLM's buckets for end-to-end request latency (seconds). */
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
/** vLLM's buckets for time to first token (seconds). */
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];

export type MetricsSource = { running(): number; waiting(): number };

/**
 * The engine's metrics. Latencies are in *simulated* seconds (what the modelled server would report).
 * @example const m = new SimMetrics("sim", src); m.finished(120, 64, "stop", 1.2, 0.05); await m.text();
 */
export class SimMetrics {
  readonly registry = new Registry();
  readonly #success: Counter<"model_name" | "finished_reason">;
  readonly #errors: Counter<"model_name" | "status">;
  readonly #prompt: Counter.Internal;
  readonly #generation: Counter.Internal;
  readonly #e2e: Histogram.Internal<"model_name">;
  readonly #ttft: Histogram.Internal<"model_name">;
  readonly #queue: Histogram.Internal<"model_name">;
  readonly #model: string;
  readonly #cacheQueries: Counter.Internal;
  readonly #cacheHits: Counter.Internal;
  /** False for an engine nobody scrapes (embedded in a run): recording is skipped, the exposition stays empty. */
  readonly #on: boolean;

  constructor(model: string, source: MetricsSource, enabled = true) {
    this.#model = model;
    this.#on = enabled;
    const registers = [this.registry];
    const labels = { model_name: model };
    new Gauge({
      name: "vllm:num_requests_running",
      help: "Number of requests in the running batch.",
      labelNames: ["model_name"],
      registers,
      collect() {
        this.set(labels, source.running());
      },
    });
    new Gauge({
      name: "vllm:num_requests_waiting",
      help: "Number of requests waiting to be admitted.",
      labelNames: ["model_name"],
      registers,
      collect() {
        this.set(labels, source.waiting());
      },
    });
    this.#prompt = new Counter({ name: "vllm:prompt_tokens_total", help: "Prefill tokens processed.", labelNames: ["model_name"], registers }).labels(labels);
    this.#generation = new Counter({ name: "vllm:generation_tokens_total", help: "Generation tokens processed.", labelNames: ["model_name"], registers }).labels(labels);
    this.#cacheQueries = new Counter({
      name: "vllm:prefix_cache_queries_total",
      help: "Prompt tokens looked up in the prefix cache.",
      labelNames: ["model_name"],
      registers,
    }).labels(labels);
    this.#cacheHits = new Counter({
      name: "vllm:prefix_cache_hits_total",
      help: "Prompt tokens found in the prefix cache (they skip prefill).",
      labelNames: ["model_name"],
      registers,
    }).labels(labels);
    this.#success = new Counter({
      name: "vllm:request_success_total",
      help: "Successfully completed requests, by finish reason.",
      labelNames: ["model_name", "finished_reason"],
      registers,
    });
    this.#errors = new Counter({
      name: "vllm:request_errors_total",
      help: "Requests answered with an error status (validation errors and injected faults).",
      labelNames: ["model_name", "status"],
      registers,
    });
    this.#e2e = new Histogram({
      name: "vllm:e2e_request_latency_seconds",
      help: "End-to-end request latency in simulated seconds (arrival to last token).",
      labelNames: ["model_name"],
      buckets: E2E_BUCKETS,
      registers,
    }).labels(labels);
    this.#ttft = new Histogram({
      name: "vllm:time_to_first_token_seconds",
      help: "Time to first token in simulated seconds.",
      labelNames: ["model_name"],
      buckets: TTFT_BUCKETS,
      registers,
    }).labels(labels);
    this.#queue = new Histogram({
      name: "vllm:request_queue_time_seconds",
      help: "Time spent waiting for a running slot, in simulated seconds.",
      labelNames: ["model_name"],
      buckets: E2E_BUCKETS,
      registers,
    }).labels(labels);
  }

  /** A request completed with these token counts and simulated timings (seconds). */
  finished(promptTokens: number, completionTokens: number, finishReason: string, e2eS: number, ttftS: number, queueS: number): void {
    if (!this.#on) return;
    this.#prompt.inc(promptTokens);
    this.#generation.inc(completionTokens);
    this.#success.inc({ model_name: this.#model, finished_reason: finishReason });
    this.#e2e.observe(e2eS);
    this.#ttft.observe(ttftS);
    this.#queue.observe(queueS);
  }

  /** A prompt was looked up in the prefix cache (counts in tokens, as vLLM's). */
  prefixCache(queryTokens: number, hitTokens: number): void {
    if (!this.#on) return;
    this.#cacheQueries.inc(queryTokens);
    this.#cacheHits.inc(hitTokens);
  }

  /** A request was answered with an error status. */
  failed(status: number): void {
    if (!this.#on) return;
    this.#errors.inc({ model_name: this.#model, status: String(status) });
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
