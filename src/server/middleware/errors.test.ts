import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import Koa from 'koa';
import { z } from 'zod';
import { SkybridgeError, systemClock } from '../../core/index.js';
import { errorBody, errorHandler } from './errors.js';
import { createLogger, requestLogger } from './logging.js';
import { requestId } from './requestId.js';

describe('errorBody', () => {
  it('keeps a SkybridgeError code, status and field', () => {
    const error = new SkybridgeError('session_ended', 'This session expired.', { status: 409, field: 'id' });
    assert.deepEqual(errorBody(error, 'req_1'), {
      status: 409,
      body: { error: { code: 'session_ended', message: 'This session expired.', field: 'id' } },
    });
  });

  it('turns a zod error into 400 invalid_request naming the field', () => {
    const parsed = z
      .object({ tenantId: z.string().max(3, 'must be at most 3 characters') })
      .safeParse({ tenantId: 'long' });
    assert.equal(parsed.success, false);
    const { status, body } = errorBody(parsed.error, 'req_1');
    assert.equal(status, 400);
    assert.deepEqual(body.error, {
      code: 'invalid_request',
      message: 'tenantId: must be at most 3 characters',
      field: 'tenantId',
    });
  });

  it('hides an unknown error behind internal_error with the request id', () => {
    const { status, body } = errorBody(new Error('password=hunter2 leaked by a library'), 'req_42');
    assert.equal(status, 500);
    assert.equal(body.error.code, 'internal_error');
    assert.equal(body.error.requestId, 'req_42');
    assert.equal(JSON.stringify(body).includes('hunter2'), false);
  });
});

/** Serves `handler` behind the app's requestId, requestLogger and errorHandler; answers the log lines of one GET. */
async function logLinesOf(handler: Koa.Middleware): Promise<{ status: number; lines: string[] }> {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } });
  const app = new Koa();
  app.silent = true;
  app.use(requestId());
  app.use(requestLogger(logger, systemClock));
  app.use(errorHandler(logger));
  app.use(handler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/v1/connectors/t1/check`, { method: 'POST' });
    await response.arrayBuffer();
    return { status: response.status, lines };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** How often `"key":` occurs in a JSON log line (pino writes duplicate bindings as duplicate keys). */
function occurrences(line: string, key: string): number {
  return line.split(`"${key}":`).length - 1;
}

describe('errorHandler log levels', () => {
  it('logs an expected AWS failure (aws_unreachable, 502) at warn, without a stack, each binding once', async () => {
    const { status, lines } = await logLinesOf((ctx) => {
      // As the registry, the connector and its base session nest their loggers.
      const log = (ctx.state.logger as ReturnType<typeof createLogger>)
        .child({ connector: 't1' })
        .child({ connector: 't1' })
        .child({ connector: 't1', part: 'base-session' });
      log.warn({ kind: 'network' }, 'GetSessionToken failed');
      throw new SkybridgeError('aws_unreachable', 'Could not reach AWS STS at sts.us-east-1.amazonaws.com.', {
        status: 502,
        retryable: true,
        cause: new Error('getaddrinfo ENOTFOUND'),
      });
    });
    assert.equal(status, 502);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const engine = lines.find((line) => line.includes('GetSessionToken failed'));
    assert.ok(engine);
    assert.equal(occurrences(engine, 'connector'), 1, engine);
    assert.equal(occurrences(engine, 'requestId'), 1, engine);
    const failure = parsed.find((line) => line.msg === 'upstream failure');
    assert.ok(failure, lines.join(''));
    assert.equal(failure.level, 40);
    assert.equal(failure.code, 'aws_unreachable');
    assert.equal(failure.status, 502);
    assert.equal('err' in failure || 'stack' in failure, false);
    assert.equal(
      parsed.some((line) => line.level === 50),
      false,
      lines.join(''),
    );
    const request = parsed.find((line) => line.msg === 'request failed');
    assert.equal(request?.level, 40);
    for (const line of lines) assert.equal(occurrences(line, 'requestId'), 1, line);
  });

  it('logs a refused request (4xx) at info with its code, no stack: a caller mistake is not an alarm', async () => {
    const { status, lines } = await logLinesOf(() => {
      throw new SkybridgeError('connector_not_found', 'No connector named "t1".', { status: 404 });
    });
    assert.equal(status, 404);
    const refused = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'request refused');
    assert.equal(refused?.level, 30);
    assert.equal(refused?.code, 'connector_not_found');
    assert.equal(refused?.stack, undefined);
  });

  it('logs an unexpected error at error level with its stack, once per request id', async () => {
    const { status, lines } = await logLinesOf(() => {
      throw new TypeError('cannot read properties of undefined');
    });
    assert.equal(status, 500);
    const unhandled = lines.find((line) => line.includes('unhandled error'));
    assert.ok(unhandled);
    const parsed = JSON.parse(unhandled) as { level: number; err: { stack?: string; type?: string } };
    assert.equal(parsed.level, 50);
    assert.match(parsed.err.stack ?? '', /TypeError: cannot read properties/);
    assert.equal(occurrences(unhandled, 'requestId'), 1, unhandled);
    const request = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'request failed');
    assert.equal(request?.level, 50);
  });
});
