import type { Middleware } from 'koa';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { Clock } from '../../core/index.js';

/**
 * Paths pino removes from every log line, whatever a caller logs by mistake: authorization headers,
 * connector secrets, credentials and keys.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'adminKey',
  'key',
  'secretAccessKey',
  'sessionToken',
  'otpSecret',
  'csrfToken',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.otpSecret',
  '*.adminKey',
  '*.csrfToken',
  '*.iam.secretAccessKey',
  '*.iam.otpSecret',
  'config.iam.secretAccessKey',
  'config.iam.otpSecret',
];

/** The server's pino logger: JSON lines, secrets redacted (removed, not masked). */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'skybridge' },
      redact: { paths: REDACT_PATHS, remove: true },
    },
    options.destination,
  );
}

/**
 * One line per request (method, path without the query, status, duration, request id), and a child
 * logger carrying the request id in `ctx.state.logger` for handlers.
 */
export function requestLogger(logger: Logger, clock: Clock): Middleware {
  return async (ctx, next) => {
    const started = clock.now();
    const log = logger.child({ requestId: ctx.state.requestId });
    ctx.state.logger = log;
    try {
      await next();
    } finally {
      const status = ctx.status;
      const line = { method: ctx.method, path: ctx.path, status, ms: clock.now() - started };
      if (status >= 500) log.error(line, 'request failed');
      else log.info(line, 'request');
    }
  };
}
