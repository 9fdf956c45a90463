// Errors the gateway answers with: a status, a stable code and a message; the body is always `{error: {code, message}}`.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error meant for the client: its message is shown as it is (never a stack trace). */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: unknown;

  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The JSON error answer. */
export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown, headers?: Record<string, string>): Response {
  const body: { error: { code: string; message: string; details?: unknown } } = { error: { code, message } };
  if (details !== undefined) body.error.details = details;
  return c.json(body, status, headers);
}
