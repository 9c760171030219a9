import type { Logger } from 'pino';
import type { Clock, RandomSource } from '../core/index.js';
import type { Store } from '../store/index.js';
import type { ConnectorRegistry } from './connectorRegistry.js';
import type { InstallFlow } from './installFlow/index.js';
import type { InstallHealthChecks } from './installHealth.js';
import type { InstallStatusCache } from './installStatusCache.js';
import type { Metrics } from './metrics.js';

/**
 * What the routes share. Integration routes reach it as `ctx.state.skybridge` (set for every request),
 * so they can resolve tenants and credentials the way the management API does.
 */
export interface ServerServices {
  store: Store;
  connectors: ConnectorRegistry;
  flow: InstallFlow;
  /** Whether an install may still get credentials (cached; tenant clients ask it before each credential). */
  installStatus: InstallStatusCache;
  /** Live role checks behind GET /v1/installs/{id}/health (at most one per identity per minute). */
  health: InstallHealthChecks;
  metrics: Metrics;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  publicUrl: string;
}
