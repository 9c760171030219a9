/**
 * Errors are values with a stable `code` (what scripts and the API match on), an HTTP status where
 * one applies, and a message a person can act on. Never put a secret in a message.
 *
 * @example
 * throw new SkybridgeError('connector_not_found', `No connector named "${name}".`, { status: 404 });
 */
export interface SkybridgeErrorOptions {
  status?: number;
  field?: string;
  /** Whether trying the same thing again later can succeed (throttling, propagation delays). */
  retryable?: boolean;
  cause?: unknown;
  /** Extra machine-readable details that are safe to show (never secrets). */
  details?: Record<string, unknown>;
}

export class SkybridgeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field: string | undefined;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: SkybridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkybridgeError';
    this.code = code;
    this.status = options.status ?? 500;
    this.field = options.field;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  /** The contract's error body: `{"error": {"code", "message", "field"?}}`. */
  toJSON(): { error: { code: string; message: string; field?: string } } {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

export function isSkybridgeError(value: unknown): value is SkybridgeError {
  return value instanceof SkybridgeError;
}
