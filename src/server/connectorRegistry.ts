import {
  AwsConnector,
  type ConnectorConfig,
  type IdentityHealth,
  type TenantIdentity,
} from '../aws/index.js';
import { type Clock, type Logger, type RandomSource, SkybridgeError, systemClock } from '../core/index.js';
import type { Store } from '../store/index.js';
import { loggableError } from './loggableError.js';

export interface ConnectorRegistryOptions {
  store: Store;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
}

/**
 * One AwsConnector per stored connector, built on first use and rebuilt after its configuration
 * changes. Sharing one instance per connector is what lets concurrent requests share one base
 * session and one in-flight STS call per tenant.
 */
export class ConnectorRegistry {
  private readonly connectors = new Map<string, Promise<AwsConnector>>();
  private readonly options: ConnectorRegistryOptions;

  constructor(options: ConnectorRegistryOptions) {
    this.options = options;
  }

  /** The connector named `name`; 404 `connector_not_found` when none is configured. */
  get(name: string): Promise<AwsConnector> {
    let connector = this.connectors.get(name);
    if (!connector) {
      connector = this.build(name);
      this.connectors.set(name, connector);
      // A failed build is not cached: the next call reads the store again.
      connector.catch(() => {
        if (this.connectors.get(name) === connector) this.connectors.delete(name);
      });
    }
    return connector;
  }

  /** Drops the cached instance (after PUT), so the next `get` uses the new configuration. */
  invalidate(name: string): void {
    this.connectors.delete(name);
  }

  private async build(name: string): Promise<AwsConnector> {
    const { store, clock = systemClock, random, logger } = this.options;
    const record = await store.connectors.get(name);
    if (!record) {
      throw new SkybridgeError(
        'connector_not_found',
        `No connector named "${name}". Create it with PUT /v1/connectors/${name}.`,
        { status: 404 },
      );
    }
    return new AwsConnector({
      name,
      config: record.config as ConnectorConfig, // TODO(lead): drop the cast once the store types its config
      store: store.engine,
      clock,
      ...(random ? { random } : {}),
      ...(logger ? { logger: logger.child({ connector: name }) } : {}),
      onIdentityHealth: (identity: TenantIdentity, health: IdentityHealth) => {
        void store.identities
          .update(identity.id, {
            healthy: health.healthy,
            healthError: health.error ? `${health.error.code}: ${health.error.message}` : undefined,
            checkedAt: health.checkedAt,
          })
          .catch((error: unknown) =>
            logger?.warn({ err: loggableError(error), identity: identity.id }, 'could not record health'),
          );
      },
    });
  }
}
