// Readiness of a starting engine: `/health` answers 200, then `/v1/models` answers 200 (the model is loaded).
import { abortableSleep } from "../llm/abort.ts";

export type ReadinessOptions = {
  timeout_ms: number;
  /** Pause between probes (default 500 ms). */
  interval_ms?: number;
  /** Aborts the wait (the process exited, the manager stops). */
  signal: AbortSignal;
};

/** What the wait found: ready, or why not (the signal's reason is rethrown instead). */
export type Readiness = { ready: true; models: string[] } | { ready: false; reason: string };

async function get(url: string, signal: AbortSignal): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body };
  } catch {
    if (signal.aborted) throw signal.reason;
    return undefined;
  }
}

/**
 * Polls `origin` until both probes pass or `timeout_ms` elapses. vLLM and SGLang answer `/health` before the
 * OpenAI routes are usable on some versions, hence the second probe.
 *
 * @example await waitReady("http://127.0.0.1:8001", { timeout_ms: 600_000, signal })
 */
export async function waitReady(origin: string, opts: ReadinessOptions): Promise<Readiness> {
  const deadline = Date.now() + opts.timeout_ms;
  const interval = opts.interval_ms ?? 500;
  let last = "no answer";
  let healthy = false;
  while (Date.now() < deadline) {
    if (!healthy) {
      const h = await get(`${origin}/health`, opts.signal);
      healthy = h?.status === 200;
      last = h === undefined ? "no answer on /health" : `/health answered ${h.status}`;
    }
    if (healthy) {
      const m = await get(`${origin}/v1/models`, opts.signal);
      if (m?.status === 200) return { ready: true, models: modelIds(m.body) };
      last = m === undefined ? "no answer on /v1/models" : `/v1/models answered ${m.status}`;
    }
    await abortableSleep(Math.max(0, Math.min(interval, deadline - Date.now())), opts.signal);
  }
  return { ready: false, reason: `not ready within ${Math.round(opts.timeout_ms / 1000)} s (${last})` };
}

function modelIds(body: unknown): string[] {
  const data = (body as { data?: unknown })?.data;
  if (!Array.isArray(data)) return [];
  return data.flatMap((m: unknown) => (typeof (m as { id?: unknown })?.id === "string" ? [(m as { id: string }).id] : []));
}
