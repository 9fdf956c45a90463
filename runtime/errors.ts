// Error classes with a stable code and a retry meaning; they cross the wire as plain data.

/** The wire form of an error: what a message or an output row carries. */
export type ErrorData = { code: string; message: string; retryable: boolean; role?: string };

/** Base class: every error the runtime raises on purpose has a code and says if a retry may help. */
export class MatrixError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  /** Milliseconds to wait before a retry, when the cause said so (for example `Retry-After`). */
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, opts: { retryable?: boolean; cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "MatrixError";
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
  }

  toData(role?: string): ErrorData {
    const data: ErrorData = { code: this.code, message: this.message, retryable: this.retryable };
    if (role !== undefined) data.role = role;
    return data;
  }
}

/** A failure that no retry can fix: the task ends as an error row. */
export class TerminalError extends MatrixError {
  constructor(code: string, message: string, opts: { cause?: unknown } = {}) {
    super(code, message, { ...opts, retryable: false });
    this.name = "TerminalError";
  }
}

/** A failure that may pass later (429, 5xx, timeouts): the hop is retried after a delay. */
export class RetryableError extends MatrixError {
  constructor(code: string, message: string, opts: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(code, message, { ...opts, retryable: true });
    this.name = "RetryableError";
  }
}

/** Bad usage or bad configuration: the CLI exits 2 with this one-line message. */
export class ConfigError extends MatrixError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super("config", message, { ...opts, retryable: false });
    this.name = "ConfigError";
  }
}

/** Normalises anything thrown into a MatrixError (unknown errors are terminal with code `internal`). */
export function ensureError(err: unknown): MatrixError {
  if (err instanceof MatrixError) return err;
  if (err instanceof Error) {
    if (err.name === "AbortError" || err.name === "TimeoutError") {
      return new RetryableError("aborted", err.message, { cause: err });
    }
    return new MatrixError("internal", err.message, { cause: err });
  }
  return new MatrixError("internal", String(err));
}
