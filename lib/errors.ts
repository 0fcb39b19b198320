/**
 * Domain errors with a stable code. Route handlers map the code to an HTTP status, the CLI
 * to an exit code; only these messages ever reach a client.
 */
export const ERROR_STATUS = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  redis_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorIssue {
  path: (string | number)[];
  message: string;
}

export class HeraldError extends Error {
  override name = "HeraldError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
    /** When to try again (limits, unavailability): sent as Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** A limit answered: 429 with Retry-After (whole seconds, at least 1). */
  static rateLimited(message: string, retryAfterMs: number): HeraldError {
    return new HeraldError("rate_limited", message, undefined, Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
