/**
 * Starts the server with the integrations of a folder mounted under /v1/integrations/<name>/api:
 * what `start`, `dev` and `demo` share.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import type { Clock } from '../core/index.js';
import { createIntegrationRoutes, type LoadedIntegrations, loadIntegrations } from '../runtime/index.js';
import { createLogger, loadServerConfig, type RunningServer, startServer } from '../server/index.js';
import { integrationHostOf } from '../server/integrationHost.js';

export interface LaunchOptions {
  env: NodeJS.ProcessEnv;
  port?: number;
  host?: string;
  integrationsDir: string;
  logLevel?: string;
  /** Where log lines go (default stderr, so stdout stays for the command's own output). */
  logDestination?: DestinationStream;
  clock?: Clock;
  onAdminKeyCreated?: (info: { path: string; key: string }) => void;
}

export interface Launched {
  server: RunningServer;
  integrations: LoadedIntegrations;
}

export async function launchServer(options: LaunchOptions): Promise<Launched> {
  // A bad variable (SKYBRIDGE_PORT=abc, ...) is reported first, before integrations load and log.
  const config = loadServerConfig(options.env);
  const level = options.logLevel ?? config.logLevel;
  const logger = createLogger({ level, destination: options.logDestination ?? process.stderr });
  const integrations = await loadIntegrations(options.integrationsDir, logger);
  const routes = createIntegrationRoutes({
    integrations: integrations.loaded,
    host: integrationHostOf,
    logger,
  });
  const server = await startServer({
    env: options.env,
    logger,
    integrationRoutes: routes,
    // Never let the server print the key itself: the commands say where it is instead.
    onAdminKeyCreated: options.onAdminKeyCreated ?? (() => {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { server, integrations };
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C), after running `stop`. */
export function untilSignal(stop: () => Promise<void>): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      void stop().finally(() => resolve(signal));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** ./integrations when it exists, else the examples shipped with Skybridge (so `demo` runs from anywhere). */
export function defaultIntegrationsDir(cwd = process.cwd()): string {
  const local = resolve(cwd, 'integrations');
  if (existsSync(local)) return local;
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'integrations');
}
