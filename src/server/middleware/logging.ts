import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import { type Bindings, type DestinationStream, type Logger, pino } from 'pino';
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

/**
 * The id of the request whose work is running, for log lines written by parts that know nothing of
 * HTTP (the engine's "GetSessionToken failed", the install flow's background verification).
 */
const currentRequest = new AsyncLocalStorage<string>();

/**
 * The server's pino logger: JSON lines, secrets redacted (removed, not masked), each binding once
 * per line however the parts nest their child loggers, and the current request's id on every line
 * written while a request's work runs (unless the line's logger already carries one).
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return withUniqueBindings(
    pino(
      {
        level: options.level ?? 'info',
        base: { service: 'skybridge' },
        redact: { paths: REDACT_PATHS, remove: true },
        mixin: (_merge, _level, logger) => {
          const requestId = currentRequest.getStore();
          if (requestId === undefined || 'requestId' in logger.bindings()) return {};
          return { requestId };
        },
      },
      options.destination,
    ),
  );
}

/**
 * pino appends a child's bindings to its parent's, so a connector bound by the registry, the
 * connector and its base session appears three times in a line. Children here skip the bindings
 * their parent already has with the same value.
 */
export function withUniqueBindings(logger: Logger): Logger {
  const child = logger.child as unknown as (this: Logger, bindings: Bindings, options?: object) => Logger;
  // pino children inherit from their parent, so this one function serves every descendant (`this`).
  function uniqueChild(this: Logger, bindings: Bindings, options?: object): Logger {
    const bound = this.bindings();
    const fresh = Object.fromEntries(
      Object.entries(bindings).filter(([key, value]) => !(key in bound && Object.is(bound[key], value))),
    );
    return child.call(this, fresh, options);
  }
  logger.child = uniqueChild as unknown as Logger['child'];
  return logger;
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
      await currentRequest.run(String(ctx.state.requestId), next);
    } finally {
      const status = ctx.status;
      const line = { method: ctx.method, path: ctx.path, status, ms: clock.now() - started };
      // 502-504 are AWS failing or out of reach (logged at warn by errorHandler); 500 is ours.
      if (status === 500 || status > 504) log.error(line, 'request failed');
      else if (status >= 500) log.warn(line, 'request failed');
      else log.info(line, 'request');
    }
  };
}
