/**
 * A live check of a tenant's role: one AssumeRole now, never answered from the credential cache, so
 * a role the tenant deleted (or whose trust changed) shows unhealthy at once rather than when cached
 * credentials expire. The credentials it obtains are dropped, not cached.
 *
 * It builds its own BaseSession with the connector's name, configuration and EngineStore, so it shares
 * the connector's stored base session (one TOTP code per base session, across instances).
 *
 * @example
 * const check = new IdentityHealthCheck({ name: 'aws', config, store });
 * const health = await check.check(identity); // { healthy, checkedAt, error? }
 */
import {
  type Clock,
  cryptoRandom,
  type Logger,
  type RandomSource,
  SkybridgeError,
  silentLogger,
  systemClock,
} from '../core/index.js';
import { BaseSession } from './baseSession.js';
import type { ConnectorConfig } from './connectorConfig.js';
import type { EngineStore } from './engineStore.js';
import { retryWithBackoff } from './retry.js';
import { RoleAssumer, roleSessionName } from './roleAssumer.js';
import { classifyStsError, describeStsError, genericStsError } from './stsErrors.js';
import type { IdentityHealth, TenantIdentity } from './tenantIdentity.js';

/** The shortest session AWS grants: the check only needs to know whether AssumeRole succeeds. */
const CHECK_SESSION_SECONDS = 900;

export interface IdentityHealthCheckOptions {
  /** The connector's name (shares its base session in the store). */
  name: string;
  config: ConnectorConfig;
  store: EngineStore;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
}

export class IdentityHealthCheck {
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  private readonly baseSession: BaseSession;
  private readonly assumer: RoleAssumer;

  constructor(options: IdentityHealthCheckOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.logger = (options.logger ?? silentLogger).child({ part: 'health-check' });
    this.baseSession = new BaseSession({
      name: options.name,
      config: options.config,
      store: options.store,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
    });
    this.assumer = new RoleAssumer({ config: options.config, baseSession: this.baseSession });
  }

  /**
   * Never throws: a refused role answers `tenant_access_denied`; a failure on our side (STS out of
   * reach, throttled, base session problems) answers its own code, so callers can tell them apart.
   */
  async check(identity: TenantIdentity, signal?: AbortSignal): Promise<IdentityHealth> {
    try {
      await retryWithBackoff(
        () =>
          this.assumer.assumeRole(
            {
              roleArn: identity.roleArn,
              externalId: identity.externalId,
              sessionName: roleSessionName('skybridge-health', identity.installId ?? identity.id),
              durationSeconds: CHECK_SESSION_SECONDS,
            },
            signal,
          ),
        {
          maxAttempts: 3,
          backoff: { baseMs: 200, capMs: 2_000 },
          clock: this.clock,
          random: this.random,
          ...(signal ? { signal } : {}),
          shouldRetry: (error) => {
            const kind = classifyStsError(error);
            return kind === 'throttled' || kind === 'network';
          },
        },
      );
      return { healthy: true, checkedAt: new Date(this.clock.now()) };
    } catch (error) {
      const failure = this.failure(identity, error);
      return {
        healthy: false,
        checkedAt: new Date(this.clock.now()),
        error: { code: failure.code, message: failure.message },
      };
    }
  }

  private failure(identity: TenantIdentity, error: unknown): SkybridgeError {
    if (error instanceof SkybridgeError) return error;
    const kind = classifyStsError(error);
    const described = describeStsError(error);
    this.logger.info({ identity: identity.id, kind, error: described }, 'health check: AssumeRole failed');
    if (kind === 'access_denied') {
      return new SkybridgeError(
        'tenant_access_denied',
        `AWS refused access to ${identity.roleArn} for tenant "${identity.tenantId}": the role was removed from account ${identity.accountId} or its trust policy changed. Reinstall the integration for this tenant to recreate the role.`,
        { status: 403, cause: error, details: { awsCode: described.code } },
      );
    }
    return (
      genericStsError(error, `AssumeRole for tenant "${identity.tenantId}"`) ??
      new SkybridgeError('sts_error', `AWS STS failed AssumeRole: ${described.code}`, {
        status: 502,
        cause: error,
      })
    );
  }
}
