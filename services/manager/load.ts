// A replica's load from its Prometheus metrics: requests running plus waiting, under vLLM's or SGLang's names.

const RUNNING = ["vllm:num_requests_running", "sglang:num_running_reqs"];
const WAITING = ["vllm:num_requests_waiting", "sglang:num_queue_reqs"];

/**
 * Sums the running and waiting gauges found in a Prometheus text exposition (every label set); null when the
 * text has none of them.
 *
 * @example loadFromMetrics('vllm:num_requests_running{model_name="m"} 3\nvllm:num_requests_waiting{model_name="m"} 2') // 5
 */
export function loadFromMetrics(text: string): number | null {
  let total = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const name = line.slice(0, line.search(/[{\s]/));
    if (!RUNNING.includes(name) && !WAITING.includes(name)) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) {
      total += value;
      found = true;
    }
  }
  return found ? total : null;
}

/** Fetches `origin/metrics` and reads the load; null when unreachable or unknown. */
export async function fetchLoad(origin: string, timeoutMs = 2_000): Promise<number | null> {
  try {
    const res = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return loadFromMetrics(await res.text());
  } catch {
    return null;
  }
}
