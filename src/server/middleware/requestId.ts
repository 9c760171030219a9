import type { Middleware } from 'koa';
import { type RandomSource, randomId } from '../../core/index.js';

// A caller's id is kept only when it is short and plain, so it cannot inject anything into log lines.
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Takes `x-request-id` from the caller (or makes one), exposes it as `ctx.state.requestId` and answers with it. */
export function requestId(random?: RandomSource): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const id = ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : `req_${randomId(random, 96)}`;
    ctx.state.requestId = id;
    ctx.set('x-request-id', id);
    await next();
  };
}
