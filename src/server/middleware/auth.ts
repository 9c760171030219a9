import type { Context, Middleware } from 'koa';
import { SkybridgeError } from '../../core/index.js';
import type { ApiKeyRecord, Store } from '../../store/index.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Checks `Authorization: Bearer <admin key>` against the stored (hashed) keys and returns the key's
 * record. Exported for integration routes, which require the admin key unless they opt out.
 */
export async function authenticateAdmin(ctx: Context, store: Store): Promise<ApiKeyRecord> {
  const header = ctx.get('authorization');
  if (!header) {
    throw new SkybridgeError('unauthorized', 'Send the admin key as "Authorization: Bearer <key>".', {
      status: 401,
    });
  }
  const match = BEARER.exec(header);
  const key = match ? await store.apiKeys.verify(match[1]!) : undefined;
  if (!key) {
    throw new SkybridgeError(
      'invalid_api_key',
      "The API key is not valid. Use the server's admin key: its SKYBRIDGE_ADMIN_KEY, or the key written to " +
        '<data dir>/admin.key (default ./.skybridge/admin.key) and printed by `skybridge start` at first start.',
      { status: 401 },
    );
  }
  ctx.state.apiKey = key;
  ctx.state.actor = `api-key:${key.id}`;
  return key;
}

/** Middleware form of `authenticateAdmin` for the management API. */
export function requireAdmin(store: Store): Middleware {
  return async (ctx, next) => {
    await authenticateAdmin(ctx, store);
    await next();
  };
}
