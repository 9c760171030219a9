import { AwsConnector, type IdentityHealth, IdentityHealthCheck, type TenantIdentity } from '../aws/index.js';
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
  private readonly healthChecks = new Map<string, Promise<IdentityHealthCheck>>();
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

  /**
   * The live role check of connector `name` (built beside its AwsConnector, sharing its stored base
   * session); 404 `connector_not_found` when none is configured.
   */
  healthCheck(name: string): Promise<IdentityHealthCheck> {
    let check = this.healthChecks.get(name);
    if (!check) {
      const { store, clock = systemClock, random, logger } = this.options;
      check = this.get(name).then(
        (connector) =>
          new IdentityHealthCheck({
            name,
            config: connector.config,
            store: store.engine,
            clock,
            ...(random ? { random } : {}),
            ...(logger ? { logger: logger.child({ connector: name }) } : {}),
          }),
      );
      this.healthChecks.set(name, check);
      check.catch(() => {
        if (this.healthChecks.get(name) === check) this.healthChecks.delete(name);
      });
    }
    return check;
  }

  /** Drops the cached instances (after PUT), so the next `get` uses the new configuration. */
  invalidate(name: string): void {
    this.connectors.delete(name);
    this.healthChecks.delete(name);
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
      config: record.config,
      store: store.engine,
      clock,
      ...(random ? { random } : {}),
      // AwsConnector binds `connector` to its own logger: binding it here too would repeat it.
      ...(logger ? { logger } : {}),
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
