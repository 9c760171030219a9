import type { IdentityHealth, TenantIdentity } from '../aws/index.js';
import { type Clock, isSkybridgeError, type Logger } from '../core/index.js';
import type { InstallRecord, Store } from '../store/index.js';
import type { ConnectorRegistry } from './connectorRegistry.js';
import { loggableError } from './loggableError.js';
import type { Metrics } from './metrics.js';
import { isVerified, tenantIdentity, type VerifiedIdentity } from './tenantCredentials.js';

/** A live check costs one AssumeRole: at most one per identity per this long; the last result is served meanwhile. */
export const HEALTH_CHECK_INTERVAL_MS = 60_000;

/** The contract's health answer. */
export interface InstallHealthView {
  healthy: boolean;
  checkedAt: string;
  error?: { code: string; message: string };
}

interface Checked {
  health: IdentityHealth;
  until: number;
}

/**
 * `GET /v1/installs/{id}/health`: a LIVE check of each identity's role (a fresh AssumeRole that
 * bypasses the credential cache), so a role the tenant removed shows unhealthy at once rather than
 * when cached credentials expire. Each live check is recorded on the identity and audited
 * (`identity.health_checked`). Results are kept per identity (and role) for HEALTH_CHECK_INTERVAL_MS in
 * this process; concurrent callers share one check.
 */
export class InstallHealthChecks {
  private readonly results = new Map<string, Checked>();
  private readonly inFlight = new Map<string, Promise<IdentityHealth>>();

  constructor(
    private readonly deps: {
      store: Store;
      connectors: ConnectorRegistry;
      clock: Clock;
      logger: Logger;
      metrics?: Metrics;
      intervalMs?: number;
    },
  ) {}

  /** The install's health: its first unhealthy identity, or healthy with the oldest `checkedAt`. */
  async check(install: InstallRecord, actor: string): Promise<InstallHealthView> {
    const now = new Date(this.deps.clock.now());
    if (install.status === 'deleted') {
      return {
        healthy: false,
        checkedAt: now.toISOString(),
        error: { code: 'install_deleted', message: 'The install was deleted.' },
      };
    }
    let oldest: Date | undefined;
    const several = install.identities.length > 1;
    for (const { alias, identity } of install.identities) {
      let health: IdentityHealth;
      if (!isVerified(identity)) {
        health = {
          healthy: false,
          checkedAt: now,
          error: {
            code: 'install_incomplete',
            message: `Install ${install.id} has no verified role for "${alias}".`,
          },
        };
      } else {
        health = await this.identityHealth(install, alias, identity, actor);
      }
      if (!health.healthy) {
        const error = health.error ?? { code: 'unhealthy', message: 'The role could not be assumed.' };
        return {
          healthy: false,
          checkedAt: health.checkedAt.toISOString(),
          error: { code: error.code, message: several ? `${alias}: ${error.message}` : error.message },
        };
      }
      if (!oldest || health.checkedAt < oldest) oldest = health.checkedAt;
    }
    return { healthy: true, checkedAt: (oldest ?? now).toISOString() };
  }

  private identityHealth(
    install: InstallRecord,
    alias: string,
    identity: VerifiedIdentity,
    actor: string,
  ): Promise<IdentityHealth> {
    // The role and external id are part of the key: a reconnect to another role is checked afresh.
    const key = `${identity.connector}\u0000${identity.id}\u0000${identity.roleArn}\u0000${identity.externalId}`;
    const cached = this.results.get(key);
    if (cached && cached.until > this.deps.clock.now()) return Promise.resolve(cached.health);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.liveCheck(install, alias, identity, actor)
        .then((health) => {
          if (this.results.size > 10_000) this.results.clear(); // bound memory; a miss costs one check
          this.results.set(key, {
            health,
            until: this.deps.clock.now() + (this.deps.intervalMs ?? HEALTH_CHECK_INTERVAL_MS),
          });
          return health;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async liveCheck(
    install: InstallRecord,
    alias: string,
    identity: VerifiedIdentity,
    actor: string,
  ): Promise<IdentityHealth> {
    const { store, connectors, clock, logger, metrics } = this.deps;
    let health: IdentityHealth;
    let tenant: TenantIdentity | undefined;
    try {
      const connector = await connectors.get(identity.connector);
      tenant = tenantIdentity(install.id, identity, connector);
      health = await (await connectors.healthCheck(identity.connector)).check(tenant);
    } catch (error) {
      // Only a missing connector or a bug gets here: the check itself answers failures.
      if (!isSkybridgeError(error))
        logger.error({ err: loggableError(error), identity: identity.id }, 'health check failed');
      health = {
        healthy: false,
        checkedAt: new Date(clock.now()),
        error: isSkybridgeError(error)
          ? { code: error.code, message: error.message }
          : { code: 'internal_error', message: 'The check failed unexpectedly.' },
      };
    }
    const code = health.error?.code;
    if (code && /^(sts_|aws_unreachable|mfa_|tenant_access_denied)/.test(code)) metrics?.stsFailure(code);
    try {
      await store.identities.update(identity.id, {
        healthy: health.healthy,
        healthError: health.error ? `${health.error.code}: ${health.error.message}` : undefined,
        checkedAt: health.checkedAt,
      });
      await store.audit.record({
        actor,
        action: 'identity.health_checked',
        target: install.id,
        details: {
          identity: identity.id,
          connector: alias,
          healthy: health.healthy,
          ...(code ? { code } : {}),
        },
      });
    } catch (error) {
      // The answer is still true; only its record failed.
      logger.warn({ err: loggableError(error), identity: identity.id }, 'could not record a health check');
    }
    return health;
  }
}
