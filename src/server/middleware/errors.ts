import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import { isSkybridgeError } from '../../core/index.js';
import { loggableError } from '../loggableError.js';

interface ErrorBody {
  error: { code: string; message: string; field?: string; requestId?: string };
}

// Koa's own HTTP errors (body parser, ctx.throw) carry a status; give them stable codes.
const CODES_BY_STATUS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  501: 'not_implemented',
};

/** The contract's error body for anything thrown: `{"error": {"code", "message", "field"?}}`. */
export function errorBody(
  error: unknown,
  requestId: string | undefined,
): { status: number; body: ErrorBody } {
  if (isSkybridgeError(error)) {
    return { status: error.status, body: error.toJSON() };
  }
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const field = issue?.path.join('.') || undefined;
    const message = issue
      ? field
        ? `${field}: ${issue.message}`
        : issue.message
      : 'The request is not valid.';
    return {
      status: 400,
      body: { error: { code: 'invalid_request', message, ...(field ? { field } : {}) } },
    };
  }
  // Koa's and the body parser's errors carry a 4xx status. Only `expose`d messages are shown: the
  // parser's own messages may quote the body, which can hold a secret.
  const http = error as { status?: unknown; expose?: unknown; message?: unknown; type?: unknown };
  if (typeof http?.status === 'number' && http.status >= 400 && http.status < 500) {
    const code = CODES_BY_STATUS[http.status] ?? 'invalid_request';
    const message =
      http.expose === true && typeof http.message === 'string' && !isBodyParseError(http)
        ? http.message
        : http.status === 400
          ? 'The request body could not be read: send valid JSON (or a form) with the right Content-Type.'
          : `The request was refused (${http.status}).`;
    return { status: http.status, body: { error: { code, message } } };
  }
  return {
    status: 500,
    body: {
      error: {
        code: 'internal_error',
        message: `Something went wrong on our side. Report request id ${requestId ?? 'unknown'} to the operator.`,
        ...(requestId ? { requestId } : {}),
      },
    },
  };
}

function isBodyParseError(error: { type?: unknown }): boolean {
  return typeof error.type === 'string' && error.type.startsWith('entity.');
}

/**
 * Whether an error is one we expected and classified: a refused request (4xx) or AWS failing or
 * out of reach (a SkybridgeError answered 502/503/504). Those log without a stack; only the rest
 * (bugs, 500s) are `error` with a stack.
 */
export function isExpectedError(error: unknown, status: number): boolean {
  if (status < 500) return true;
  return isSkybridgeError(error) && (status === 502 || status === 503 || status === 504);
}

/**
 * Turns every error into the contract's shape. Expected errors are logged with their code and
 * message (what the caller sees): refusals at info, upstream failures at warn; unknown ones at error
 * with their stack (never sent to the caller).
 */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // Koa answers unmatched paths (404) and the router wrong methods (405) with no body: give them ours.
      if (ctx.status >= 400 && (ctx.body === undefined || ctx.body === null)) {
        const status = ctx.status;
        const code = CODES_BY_STATUS[status] ?? 'error';
        const message =
          status === 404
            ? `Nothing at ${ctx.method} ${ctx.path}.`
            : `${ctx.method} ${ctx.path} answered ${status}.`;
        ctx.body = { error: { code, message } };
        ctx.status = status;
      }
    } catch (error) {
      const requestId = ctx.state.requestId as string | undefined;
      const { status, body } = errorBody(error, requestId);
      // The request logger's child already binds requestId: bind it only on the root logger.
      const log: Logger = ctx.state.logger ?? logger.child({ requestId });
      if (isExpectedError(error, status)) {
        const { code, message, field } = body.error;
        const entry = { status, code, message, ...(field ? { field } : {}) };
        // A refused request is the caller's mistake, part of normal traffic: info. AWS failing or out
        // of reach needs an operator's eye: warn.
        if (status < 500) log.info(entry, 'request refused');
        else log.warn(entry, 'upstream failure');
      } else {
        log.error({ err: loggableError(error) }, 'unhandled error');
      }
      ctx.status = status;
      ctx.type = 'application/json';
      ctx.body = body;
      if (status === 401) ctx.set('WWW-Authenticate', 'Bearer');
    }
  };
}
