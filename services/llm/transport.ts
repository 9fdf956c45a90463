// How the LLM client reaches a server: real HTTP (fetch), or in-process to the embedded simulated LLM.

export type TransportResponse = {
  status: number;
  /** Header lookup, case-insensitive (`retry-after`, ...). */
  header(name: string): string | null;
  /** The parsed JSON body (or undefined when the body is not JSON). */
  json(): Promise<unknown>;
};

export type TransportRequest = {
  /** Full URL, for example `http://127.0.0.1:8000/v1/chat/completions`. */
  url: string;
  body: unknown;
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Real ms before the request is given up; only transports with `handlesTimeout` read it. */
  timeoutMs?: number;
};

export interface Transport {
  post(req: TransportRequest): Promise<TransportResponse>;
  /** True when `post` and `json()` settle promptly once `req.signal` aborts, so the client need not race them. */
  readonly honorsSignal?: boolean;
  /**
   * True when `post` honours `req.timeoutMs` itself: the request is cancelled and `post` rejects with a
   * `TimeoutError` DOMException. The client then passes its caller's signal straight through and keeps no timer
   * and no controller of its own per call.
   */
  readonly handlesTimeout?: boolean;
}

/** HTTP transport over the runtime's fetch. */
export const httpTransport: Transport = {
  // fetch rejects, and its body read stops, when the request's signal aborts.
  honorsSignal: true,
  async post(req) {
    const res = await fetch(req.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...req.headers },
      body: JSON.stringify(req.body),
      signal: req.signal ?? null,
    });
    return {
      status: res.status,
      header: (name) => res.headers.get(name),
      json: async () => {
        const text = await res.text();
        try {
          return JSON.parse(text);
        } catch {
          return undefined;
        }
      },
    };
  },
};
