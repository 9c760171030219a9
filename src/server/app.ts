import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Logger } from 'pino';
import { type Clock, cryptoRandom, type RandomSource, systemClock } from '../core/index.js';
import type { Store } from '../store/index.js';
import { ConnectorRegistry } from './connectorRegistry.js';
import { InstallFlow } from './installFlow/index.js';
import { InstallHealthChecks } from './installHealth.js';
import { InstallStatusCache } from './installStatusCache.js';
import { Metrics } from './metrics.js';
import { requireAdmin } from './middleware/auth.js';
import { errorHandler } from './middleware/errors.js';
import { createLogger, requestLogger } from './middleware/logging.js';
import { requestId } from './middleware/requestId.js';
import { createConnectRouter } from './pages/index.js';
import { connectorRoutes } from './routes/connectors.js';
import { credentialRoutes } from './routes/credentials.js';
import { healthRoutes } from './routes/health.js';
import { installRoutes } from './routes/installs.js';
import { integrationRoutes as integrationRecordRoutes } from './routes/integrations.js';
import { sessionRoutes } from './routes/sessions.js';
import type { ServerServices } from './services.js';

export interface AppDeps {
  store: Store;
  /** Base URL tenants and apps reach this server at (no trailing slash). */
  publicUrl: string;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
  /**
   * Mounted for ANY /v1/integrations/:integration/api/... BEFORE the admin-key check: the routes
   * decide (they require the admin key unless they opt out; use `authenticateAdmin`). The server's
   * services (store, connectors, flow...) are in `ctx.state.skybridge`.
   */
  integrationRoutes?: Middleware;
  sessionTtlMs?: number;
  /** Shared with startServer, which stops and resumes verifications; built here when absent. */
  connectors?: ConnectorRegistry;
  flow?: InstallFlow;
  metrics?: Metrics;
}

const INTEGRATION_API = /^\/v1\/integrations\/[^/]+\/api(\/|$)/;
// Case-insensitive on purpose: whatever a router could match under /v1 (in any case) needs the key.
const MANAGEMENT_API = /^\/+v1(\/|$)/i;

/** Builds the services the routes share (also what startServer keeps to stop and resume the flow). */
export function createServices(deps: AppDeps): ServerServices {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? cryptoRandom;
  const logger = deps.logger ?? createLogger({ level: 'silent' });
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');
  const metrics = deps.metrics ?? new Metrics();
  const connectors = deps.connectors ?? new ConnectorRegistry({ store: deps.store, clock, random, logger });
  const installStatus = new InstallStatusCache(deps.store, clock);
  const flow =
    deps.flow ??
    new InstallFlow({
      store: deps.store,
      connectors,
      clock,
      random,
      logger,
      publicUrl,
      sessionTtlMs: deps.sessionTtlMs ?? 3_600_000,
      metrics,
      installStatus,
    });
  const health = new InstallHealthChecks({ store: deps.store, connectors, clock, logger, metrics });
  return {
    store: deps.store,
    connectors,
    flow,
    installStatus,
    health,
    metrics,
    clock,
    random,
    logger,
    publicUrl,
  };
}

/**
 * The Koa application: /healthz and /metrics, the /connect pages, integration routes, and the
 * admin-key-protected management API under /v1 (contract section 2).
 */
export function createApp(deps: AppDeps, services: ServerServices = createServices(deps)): Koa {
  const { logger, clock, random, flow, publicUrl, store } = services;
  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by errorHandler, with the request id

  app.use(requestId(random));
  app.use(requestLogger(logger, clock));
  app.use(errorHandler(logger));
  app.use(async (ctx, next) => {
    ctx.state.skybridge = services;
    await next();
  });
  const open = new Router();
  healthRoutes(open, services);
  app.use(open.routes());
  app.use(open.allowedMethods());

  const connect = createConnectRouter({ flow, logger, publicUrl });
  app.use(connect.routes());
  app.use(connect.allowedMethods());

  if (deps.integrationRoutes) {
    const middleware = deps.integrationRoutes;
    app.use(async (ctx, next) => (INTEGRATION_API.test(ctx.path) ? middleware(ctx, next) : next()));
  }

  // Case-sensitive routes: '/V1/...' must not reach a handler behind the gate's back.
  const api = new Router({ prefix: '/v1', sensitive: true });
  connectorRoutes(api, services);
  integrationRecordRoutes(api, services);
  sessionRoutes(api, services);
  installRoutes(api, services);
  credentialRoutes(api, services);
  const admin = requireAdmin(store);
  app.use(async (ctx, next) => (MANAGEMENT_API.test(ctx.path) ? admin(ctx, next) : next()));
  // Bodies are read only once the key was checked: an anonymous caller cannot make us parse 2 MB.
  // (The /connect pages and integration routes read their own bodies, with their own limits.)
  app.use(
    bodyParser({
      enableTypes: ['json', 'form'],
      jsonLimit: '2mb', // a custom template may be up to 1 MB, escaped in JSON
      formLimit: '64kb',
      // Nothing of ours reads a body on GET; without this, a GET with a bad JSON body fails for no reason.
      parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    }),
  );

  app.use(api.routes());
  app.use(api.allowedMethods({ throw: false }));
  return app;
}
