// OpenAI-style error bodies of the simulated LLM: `{error: {message, type, param, code}}` with an HTTP status.

export type ApiErrorBody = { error: { message: string; type: string; param: string | null; code: string } };

/** An error answer: status, body and extra headers (`Retry-After` on 429). */
export type ApiError = { status: number; body: ApiErrorBody; headers: Record<string, string> };

const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  404: "not_found_error",
  429: "rate_limit_error",
  500: "server_error",
  503: "server_error",
};

/**
 * Builds an error answer.
 * @example apiError(404, "model_not_found", "The model `x` does not exist.")
 */
export function apiError(status: number, code: string, message: string, opts: { param?: string; headers?: Record<string, string> } = {}): ApiError {
  return {
    status,
    body: { error: { message, type: TYPES[status] ?? "server_error", param: opts.param ?? null, code } },
    headers: opts.headers ?? {},
  };
}
