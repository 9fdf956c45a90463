// A simulated LLM listening on HTTP: engine + Hono app + the runtime's server, started and stopped as one.
import { createSimApp } from "./app.ts";
import { serveFetch } from "./adapter/serve.ts";
import { SimEngine } from "./engine.ts";
import { compileSimOptions, type SimOptionsInput } from "./options.ts";

export type SimServerOptions = {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Engine options (validated here; ConfigError when wrong). Ignored when `engine` is given. */
  options?: SimOptionsInput;
  /** Serve this engine instead of a new one (it is closed with the server). */
  engine?: SimEngine;
};

export type SimServer = {
  /** Base URL of the API, with `/v1`: what an OpenAI client or `llm.<name>.url` takes. */
  url: string;
  /** `http://host:port`, for `/health` and `/metrics`. */
  origin: string;
  host: string;
  port: number;
  engine: SimEngine;
  /** Answers in-flight requests 503, stops listening. Idempotent. */
  close(): Promise<void>;
};

/**
 * Starts an OpenAI-compatible simulated LLM on HTTP.
 * @example
 * const sim = await startSimServer({ options: { time_scale: 100 } });
 * const client = new OpenAI({ baseURL: sim.url, apiKey: "none" });
 * await sim.close();
 */
export async function startSimServer(opts: SimServerOptions = {}): Promise<SimServer> {
  const engine = opts.engine ?? new SimEngine(compileSimOptions(opts.options ?? {}));
  const host = opts.host ?? "127.0.0.1";
  const app = createSimApp(engine);
  let listening;
  try {
    listening = await serveFetch(app.fetch, { hostname: host, port: opts.port ?? 0 });
  } catch (err) {
    await engine.close();
    throw err;
  }
  const shown = host.includes(":") ? `[${host}]` : host;
  const origin = `http://${shown}:${listening.port}`;
  let closing: Promise<void> | undefined;
  const l = listening;
  return {
    url: `${origin}/v1`,
    origin,
    host,
    port: listening.port,
    engine,
    close: () =>
      (closing ??= (async () => {
        await engine.close();
        await l.close();
      })()),
  };
}
