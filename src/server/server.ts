import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { type Clock, cryptoRandom, type RandomSource, systemClock } from '../core/index.js';
import { openStore, type Store } from '../store/index.js';
import { ensureAdminKey } from './adminKey.js';
import { createApp, createServices } from './app.js';
import { loadServerConfig, type ServerConfig } from './config.js';
import type { ConnectorRegistry } from './connectorRegistry.js';
import type { InstallFlow } from './installFlow/index.js';
import { loggableError } from './loggableError.js';
import { createLogger } from './middleware/logging.js';
import type { ServerServices } from './services.js';

export interface StartServerOptions {
  /** Settings (SKYBRIDGE_*, DATABASE_URL, LOG_LEVEL); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Overrides SKYBRIDGE_PORT; 0 picks a free port. */
  port?: number;
  /** Overrides SKYBRIDGE_HOST (default 127.0.0.1). */
  host?: string;
  logger?: Logger;
  clock?: Clock;
  random?: RandomSource;
  integrationRoutes?: Middleware;
  /**
   * Called once, at the first start in embedded mode, when an admin key was generated and written to
   * `path`; without it, the key is printed to stdout once. (With DATABASE_URL and no key yet, the
   * start is refused: SKYBRIDGE_ADMIN_KEY must be set.)
   */
  onAdminKeyCreated?: (info: { path: string; key: string }) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  /** Only when generated at this start or given in SKYBRIDGE_ADMIN_KEY. */
  adminKey?: string;
  config: ServerConfig;
  connectors: ConnectorRegistry;
  flow: InstallFlow;
  services: ServerServices;
  close(): Promise<void>;
}

const GRACE_MS = 10_000;

/**
 * Opens the store, makes sure an admin key exists, listens, resumes verifications left in
 * `verifying`, and sweeps expired sessions in the background. `close()` stops accepting, lets
 * in-flight requests finish, stops the background work, then closes the store.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = loadServerConfig(options.env ?? process.env);
  const port = options.port ?? config.port;
  const host = options.host ?? config.host;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const logger = options.logger ?? createLogger({ level: config.logLevel });

  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    masterKey: config.masterKey,
    clock,
    random,
  });
  let http: Server | undefined;
  try {
    const admin = await ensureAdminKey({
      store,
      dataDir: config.dataDir,
      embedded: !config.databaseUrl,
      given: config.adminKey,
      random,
    });
    if (admin?.generated && admin.path) {
      const { path } = admin;
      if (options.onAdminKeyCreated) options.onAdminKeyCreated({ path, key: admin.key });
      else process.stdout.write(`Skybridge admin key (shown once; also in ${path}):\n${admin.key}\n`);
      logger.info({ path }, 'admin key generated');
    }

    // The request handler is attached once the port (and so the default public URL) is known.
    let handler: RequestListener | undefined;
    http = createServer((req, res) => {
      if (handler) handler(req, res);
      else {
        res.statusCode = 503;
        res.end();
      }
    });
    const server = http;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const actualPort = (server.address() as AddressInfo).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    const publicUrl = config.publicUrl ?? url;

    const services = createServices({
      store,
      publicUrl,
      clock,
      random,
      logger,
      sessionTtlMs: config.sessionTtlMs,
    });
    const app = createApp(
      {
        store,
        publicUrl,
        ...(options.integrationRoutes ? { integrationRoutes: options.integrationRoutes } : {}),
      },
      services,
    );
    handler = app.callback();

    await services.flow.resume();
    const sweeper = setInterval(() => {
      services.flow
        .sweep()
        .catch((error: unknown) => logger.warn({ err: loggableError(error) }, 'session sweep failed'));
    }, config.sweepIntervalMs);
    sweeper.unref();
    logger.info({ url, publicUrl, dialect: store.dialect }, 'skybridge listening');

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        clearInterval(sweeper);
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await services.flow.stop();
        const grace = setTimeout(() => server.closeAllConnections(), GRACE_MS);
        await drained;
        clearTimeout(grace);
        await store.close();
        logger.info({}, 'skybridge stopped');
      })();
      return closing;
    };

    return {
      url,
      port: actualPort,
      store,
      ...(admin ? { adminKey: admin.key } : {}),
      config,
      connectors: services.connectors,
      flow: services.flow,
      services,
      close,
    };
  } catch (error) {
    http?.close();
    await store.close();
    throw error;
  }
}
