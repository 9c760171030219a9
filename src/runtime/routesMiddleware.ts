/**
 * The Koa middleware that serves the loaded integrations' routes under
 * `/v1/integrations/<name>/api/...`. The server mounts it as `integrationRoutes`.
 *
 * A router path is the request path after `/v1/integrations/<name>` (so it starts with `/api`).
 * Routes need `Authorization: Bearer <admin key>` unless registered with `{ public: true }`.
 *
 * @example
 * const { loaded } = await loadIntegrations('./integrations', logger);
 * const routes = createIntegrationRoutes({ integrations: loaded, host: () => host, logger });
 * await startServer({ integrationRoutes: routes });
 */
import type { Middleware, ParameterizedContext } from 'koa';
import { type Logger, randomId, SkybridgeError, silentLogger } from '../core/index.js';
import { bindContext, type IntegrationHost, runInRoute } from './host.js';
import type { Integration } from './integration.js';
import { loggableError, routeErrorAnswer } from './routeErrors.js';
import { composeHandlers, type IntegrationContext } from './router.js';

export interface IntegrationRoutesOptions {
  integrations: ReadonlyMap<string, Integration>;
  /**
   * The host, or a function finding it for a request (e.g. from what the server put on `ctx.state`);
   * undefined answers 503 while the server is starting.
   */
  host: IntegrationHost | ((ctx: ParameterizedContext) => IntegrationHost | undefined);
  logger?: Logger;
  /** Largest request body read for integration code (default 1 MiB). */
  maxBodyBytes?: number;
}

const PATH = /^\/v1\/integrations\/([^/]+)(\/api(?:\/.*)?)$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function createIntegrationRoutes(options: IntegrationRoutesOptions): Middleware {
  const logger = options.logger ?? silentLogger;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const hostOf = typeof options.host === 'function' ? options.host : () => options.host as IntegrationHost;

  return async (koaCtx, next) => {
    const match = PATH.exec(koaCtx.path);
    if (!match) return next();
    const ctx = koaCtx as unknown as IntegrationContext;
    const name = decodeURIComponent(match[1] ?? '');
    const routePath = match[2] ?? '/api';
    const requestId = requestIdOf(ctx);
    const log = logger.child({ integration: name, requestId });
    try {
      const host = hostOf(koaCtx);
      if (!host) {
        throw new SkybridgeError('not_ready', 'The server is still starting; try again in a moment.', {
          status: 503,
          retryable: true,
        });
      }
      const integration = options.integrations.get(name);
      const found = integration?.router.match(ctx.method, routePath);
      // Only a public route is served without the key. Anything else (a private route, a wrong method,
      // an unknown route or integration) asks for the key first, so anonymous callers learn nothing
      // about which integrations and routes exist.
      if (found?.kind !== 'found' || !found.route.public) await requireAdminKey(ctx, host);
      if (!integration || !found) {
        const names = [...options.integrations.keys()];
        throw new SkybridgeError(
          'integration_not_found',
          `No integration named "${name}" is loaded; loaded: ${names.length ? names.join(', ') : 'none'}.`,
          { status: 404 },
        );
      }
      if (found.kind === 'not_found') {
        throw new SkybridgeError(
          'route_not_found',
          `Integration "${name}" has no route for ${ctx.method} ${routePath}.`,
          {
            status: 404,
          },
        );
      }
      if (found.kind === 'method_not_allowed') {
        ctx.set('Allow', found.allowed.join(', '));
        throw new SkybridgeError(
          'method_not_allowed',
          `Integration "${name}" serves ${routePath} for ${found.allowed.join(', ')}, not ${ctx.method}.`,
          { status: 405 },
        );
      }
      if (ctx.request.body === undefined && BODY_METHODS.has(ctx.method)) await readBody(ctx, maxBodyBytes);
      ctx.params = found.params;
      const binding = { integration: name, host, requestId };
      bindContext(ctx, binding);
      await runInRoute(binding, () => composeHandlers(integration.router.chain(found.route))(ctx));
    } catch (error) {
      const answer = routeErrorAnswer(error, requestId);
      if (answer.unexpected) log.error({ err: loggableError(error) }, 'integration route failed');
      else if (answer.status >= 500) log.warn({ err: loggableError(error) }, 'integration route failed');
      ctx.status = answer.status;
      ctx.body = answer.body;
    }
  };
}

function requestIdOf(ctx: ParameterizedContext): string {
  const fromState = (ctx.state as { requestId?: unknown }).requestId;
  if (typeof fromState === 'string' && fromState) return fromState;
  const fromResponse = ctx.response.get('x-request-id');
  if (fromResponse) return fromResponse;
  const id = randomId();
  ctx.set('x-request-id', id);
  return id;
}

async function requireAdminKey(ctx: IntegrationContext, host: IntegrationHost): Promise<void> {
  const header = ctx.get('authorization');
  const key = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!key) {
    ctx.set('WWW-Authenticate', 'Bearer');
    throw new SkybridgeError(
      'unauthorized',
      'This route needs the admin key: send it as "Authorization: Bearer <key>" (or register the route with { public: true }).',
      { status: 401 },
    );
  }
  if (!(await host.verifyAdminKey(key))) {
    ctx.set('WWW-Authenticate', 'Bearer');
    throw new SkybridgeError(
      'invalid_api_key',
      "The API key is not valid. Use the server's admin key: its SKYBRIDGE_ADMIN_KEY, or the key written to " +
        '<data dir>/admin.key (default ./.skybridge/admin.key) and printed by `skybridge start` at first start.',
      { status: 401 },
    );
  }
}

/** Parses JSON, form and text bodies for integration code (the server's own parser may not have run). */
async function readBody(ctx: IntegrationContext, maxBytes: number): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > maxBytes) {
      throw new SkybridgeError('payload_too_large', `The request body is over ${maxBytes} bytes.`, {
        status: 413,
      });
    }
    chunks.push(buffer);
  }
  if (size === 0) return;
  const raw = Buffer.concat(chunks).toString('utf8');
  ctx.request.rawBody = raw;
  if (ctx.is('application/json', '+json')) {
    try {
      ctx.request.body = JSON.parse(raw);
    } catch {
      throw new SkybridgeError('invalid_json', 'The request body is not valid JSON.', { status: 400 });
    }
  } else if (ctx.is('application/x-www-form-urlencoded')) {
    ctx.request.body = Object.fromEntries(new URLSearchParams(raw));
  } else {
    ctx.request.body = raw;
  }
}
