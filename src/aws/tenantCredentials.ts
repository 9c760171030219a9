/**
 * Short-lived credentials for each tenant: AssumeRole into the tenant's role with its external id,
 * signed with the base session. Cached per identity in memory (and in the EngineStore for other
 * instances), one STS call in flight per identity however many callers wait, refreshed ahead of
 * expiry while the still-valid credentials keep being served.
 *
 * The warm path is a Map lookup and one comparison that returns an already-resolved promise.
 *
 * @example
 * const broker = new TenantCredentialBroker({ config, store, baseSession });
 * const s3 = new S3Client({ region: identity.region, credentials: broker.provider(identity) });
 */
import { createHash } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import {
  type Clock,
  cryptoRandom,
  type Logger,
  type RandomSource,
  randomId,
  SkybridgeError,
  silentLogger,
  systemClock,
} from '../core/index.js';
import { sdkExpiration } from './awsClients.js';
import { type BaseSession, DEFAULT_REFRESH_MARGIN_MS } from './baseSession.js';
import { type ConnectorConfig, MAX_CHAINED_SESSION_SECONDS } from './connectorConfig.js';
import type { EngineStore, StoredCredentials } from './engineStore.js';
import { type BackoffPolicy, retryWithBackoff } from './retry.js';
import { type AssumedRole, RoleAssumer, roleSessionName } from './roleAssumer.js';
import { classifyStsError, describeStsError, genericStsError } from './stsErrors.js';
import type { IdentityHealthListener, TenantCredentials, TenantIdentity } from './tenantIdentity.js';

/** A credential with less than this left is not served, even while a refresh is failing. */
const MIN_SERVE_VALIDITY_MS = 30_000;
/** After a failed background refresh, keep serving the still-valid credentials this long before trying again. */
const REFRESH_COOLDOWN_MS = 10_000;
/**
 * Instances share one AssumeRole per tenant through a store lease. One that finds the lease taken
 * polls the store for the holder's result this often, for at most ASSUME_WAIT_MS, then calls STS
 * itself: a holder that died or hangs costs others a short delay, never an outage.
 */
export const ASSUME_POLL_MS = 100;
export const ASSUME_WAIT_MS = 5_000;
/** Longer than one AssumeRole with its retries normally takes; a crashed holder's lease expires after it. */
const ASSUME_LEASE_MS = 30_000;

export interface TenantCredentialBrokerOptions {
  config: ConnectorConfig;
  store: EngineStore;
  baseSession: BaseSession;
  /** Defaults to one over `baseSession`; the AwsConnector shares its own with the verifier. */
  assumer?: RoleAssumer;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
  onIdentityHealth?: IdentityHealthListener;
  /** Refresh this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
  /** AssumeRole attempts when throttled or unanswered (default 5). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
}

interface Entry {
  roleArn: string;
  externalId: string;
  region: string;
  expiration: number;
  credentials: TenantCredentials;
  /** Resolved once and handed to every warm caller: no allocation on the warm path. */
  resolved: Promise<TenantCredentials>;
  retryAfter: number;
}

export class TenantCredentialBroker {
  private readonly config: ConnectorConfig;
  private readonly store: EngineStore;
  private readonly baseSession: BaseSession;
  private readonly assumer: RoleAssumer;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  private readonly onIdentityHealth: IdentityHealthListener | undefined;
  private readonly marginMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<TenantCredentials>>();
  /** This broker's name as a lease holder (instances each have their own broker). */
  private readonly holder: string;
  /** Bumped by forget(): a call already in flight must not cache what it gets afterwards. */
  private readonly epochs = new Map<string, number>();

  constructor(options: TenantCredentialBrokerOptions) {
    this.config = options.config;
    this.store = options.store;
    this.baseSession = options.baseSession;
    this.assumer =
      options.assumer ?? new RoleAssumer({ config: options.config, baseSession: options.baseSession });
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.logger = (options.logger ?? silentLogger).child({ part: 'tenant-credentials' });
    this.onIdentityHealth = options.onIdentityHealth;
    this.marginMs = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoff = options.backoff ?? { baseMs: 200, capMs: 5_000 };
    this.holder = randomId(this.random, 64);
  }

  /**
   * Credentials for the tenant's role. Throws SkybridgeError `tenant_access_denied` (403) when AWS
   * refuses the role, `sts_throttled` (503) when throttling outlasts the retries, `aws_unreachable`
   * (502), or the base session's errors (`mfa_misconfigured`, `mfa_code_rejected`...).
   */
  getCredentials(identity: TenantIdentity): Promise<TenantCredentials> {
    const key = memoryKey(identity);
    const entry = this.entries.get(key);
    if (
      entry !== undefined &&
      entry.roleArn === identity.roleArn &&
      entry.externalId === identity.externalId &&
      entry.region === identity.region
    ) {
      const now = this.clock.now();
      if (entry.expiration - this.marginMs > now) return entry.resolved;
      if (entry.expiration - MIN_SERVE_VALIDITY_MS > now) {
        // Inside the refresh margin: refresh in the background and keep serving what is still valid.
        if (now >= entry.retryAfter && !this.inflight.has(storeKey(identity))) {
          this.load(key, identity).catch(() => {
            entry.retryAfter = this.clock.now() + REFRESH_COOLDOWN_MS;
          });
        }
        return entry.resolved;
      }
    }
    return this.load(key, identity);
  }

  /**
   * An AWS SDK v3 credential provider for the tenant. The SDK asks it on every request (see
   * sdkExpiration), so a client built once keeps working across credential lifetimes.
   */
  provider(identity: TenantIdentity): AwsCredentialIdentityProvider {
    return async () => {
      const credentials = await this.getCredentials(identity);
      return {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
        expiration: sdkExpiration(credentials.expiration.getTime(), this.clock),
      };
    };
  }

  /** Drops the tenant's cached credentials here and in the store (uninstall, role changed). */
  async forget(identity: TenantIdentity): Promise<void> {
    const key = memoryKey(identity);
    this.epochs.set(key, (this.epochs.get(key) ?? 0) + 1);
    this.entries.delete(key);
    this.inflight.delete(storeKey(identity));
    await this.store.deleteTenantCredentials(storeKey(identity));
  }

  private load(key: string, identity: TenantIdentity): Promise<TenantCredentials> {
    // Keyed by the role and external id too: a tenant that reconnected to a new role never joins
    // a call still in flight for its old one.
    const flightKey = storeKey(identity);
    const running = this.inflight.get(flightKey);
    if (running) return running;
    const pending = this.issue(key, identity);
    this.inflight.set(flightKey, pending);
    const clear = (): void => {
      if (this.inflight.get(flightKey) === pending) this.inflight.delete(flightKey);
    };
    pending.then(clear, clear);
    return pending;
  }

  private async issue(key: string, identity: TenantIdentity): Promise<TenantCredentials> {
    const epoch = this.epochs.get(key) ?? 0;
    assertTenantSessionLength(this.config, this.baseSession.mfa);
    const sharedKey = storeKey(identity);
    const shared = await this.fromStore(sharedKey);
    if (shared) return this.remember(key, identity, shared, epoch);
    // Another instance may hold the base session's refresh lease and be assuming this very role:
    // once the base session is there, look again rather than call AWS a second time.
    try {
      await this.baseSession.get();
    } catch (error) {
      throw this.failure(identity, error);
    }
    const sharedNow = await this.fromStore(sharedKey);
    if (sharedNow) return this.remember(key, identity, sharedNow, epoch);

    // One instance assumes the role; the others take its result from the store.
    const lease = assumeLeaseName(identity);
    let leased = await this.store.tryAcquireLease(lease, this.holder, ASSUME_LEASE_MS, this.clock.now());
    if (!leased) {
      const waitUntil = this.clock.now() + ASSUME_WAIT_MS;
      while (!leased && this.clock.now() < waitUntil) {
        await this.clock.sleep(Math.min(ASSUME_POLL_MS, waitUntil - this.clock.now()));
        const theirs = await this.fromStore(sharedKey);
        if (theirs) return this.remember(key, identity, theirs, epoch);
        // Free again without a result (the holder failed): this instance tries.
        leased = await this.store.tryAcquireLease(lease, this.holder, ASSUME_LEASE_MS, this.clock.now());
      }
      if (!leased) this.logger.debug({ identity: identity.id }, 'AssumeRole lease still held; calling STS');
    }
    if (leased) {
      // The last holder may have stored its result and let go just before this instance took over.
      const justStored = await this.fromStore(sharedKey);
      if (justStored) {
        await this.store.releaseLease(lease, this.holder);
        return this.remember(key, identity, justStored, epoch);
      }
    }
    let assumed: AssumedRole;
    try {
      assumed = await this.assumeWithRetries(identity);
    } catch (error) {
      if (leased) await this.store.releaseLease(lease, this.holder).catch(() => {});
      throw this.failure(identity, error);
    }
    // A forget() while AssumeRole ran must not be undone: keep what it dropped out of the store too.
    try {
      if ((this.epochs.get(key) ?? 0) === epoch)
        await this.store.putTenantCredentials(sharedKey, assumed.credentials);
    } finally {
      // Released after the result is stored, so a waiter that then takes the lease finds it.
      if (leased) await this.store.releaseLease(lease, this.holder);
    }
    this.reportHealth(identity, undefined);
    return this.remember(key, identity, assumed.credentials, epoch);
  }

  private assumeWithRetries(identity: TenantIdentity): Promise<AssumedRole> {
    return retryWithBackoff(
      () =>
        this.assumer.assumeRole({
          roleArn: identity.roleArn,
          externalId: identity.externalId,
          sessionName: roleSessionName('skybridge', identity.installId ?? identity.id),
          durationSeconds: this.config.iam.tenantSessionSeconds,
        }),
      {
        maxAttempts: this.maxAttempts,
        backoff: this.backoff,
        clock: this.clock,
        random: this.random,
        shouldRetry: (error) => {
          const kind = classifyStsError(error);
          return kind === 'throttled' || kind === 'network';
        },
        onRetry: (error, attempt, delayMs) =>
          this.logger.debug(
            { identity: identity.id, attempt, delayMs, error: describeStsError(error) },
            'AssumeRole retry',
          ),
      },
    );
  }

  private async fromStore(sharedKey: string): Promise<StoredCredentials | undefined> {
    const shared = await this.store.getTenantCredentials(sharedKey);
    return shared && shared.expiration - this.marginMs > this.clock.now() ? shared : undefined;
  }

  private remember(
    key: string,
    identity: TenantIdentity,
    stored: StoredCredentials,
    epoch: number,
  ): TenantCredentials {
    // Shared by every caller, and not frozen: the AWS SDK tags credential objects it is given.
    const credentials: TenantCredentials = {
      accessKeyId: stored.accessKeyId,
      secretAccessKey: stored.secretAccessKey,
      sessionToken: stored.sessionToken ?? '',
      expiration: new Date(stored.expiration),
      region: identity.region,
    };
    if ((this.epochs.get(key) ?? 0) === epoch) {
      this.entries.set(key, {
        roleArn: identity.roleArn,
        externalId: identity.externalId,
        region: identity.region,
        expiration: stored.expiration,
        credentials,
        resolved: Promise.resolve(credentials),
        retryAfter: 0,
      });
    }
    return credentials;
  }

  private failure(identity: TenantIdentity, error: unknown): SkybridgeError {
    if (error instanceof SkybridgeError) return error;
    const kind = classifyStsError(error);
    const described = describeStsError(error);
    this.logger.warn({ identity: identity.id, kind, error: described }, 'AssumeRole failed');
    if (kind === 'access_denied') {
      const failure = new SkybridgeError(
        'tenant_access_denied',
        `AWS refused access to ${identity.roleArn} for tenant "${identity.tenantId}": the role was removed from account ${identity.accountId} or its trust policy changed. Reinstall the integration for this tenant to recreate the role.`,
        { status: 403, cause: error, details: { awsCode: described.code } },
      );
      this.reportHealth(identity, failure);
      return failure;
    }
    if (kind === 'expired_token') {
      return new SkybridgeError(
        'base_session_expired',
        'AWS said the connector base session expired, and a new one expired too; check the server clock.',
        { status: 502, retryable: true, cause: error },
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

  private reportHealth(identity: TenantIdentity, failure: SkybridgeError | undefined): void {
    if (!this.onIdentityHealth) return;
    try {
      this.onIdentityHealth(identity, {
        healthy: failure === undefined,
        checkedAt: new Date(this.clock.now()),
        ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
      });
    } catch (error) {
      this.logger.error({ identity: identity.id, error: String(error) }, 'onIdentityHealth threw');
    }
  }
}

/**
 * C5: AWS refuses AssumeRole for longer than 1 h with MFA session credentials (role chaining). The
 * configuration schema refuses such a setting too; the engine checks again rather than rely on it.
 */
export function assertTenantSessionLength(config: ConnectorConfig, mfaBacked: boolean): void {
  const seconds = config.iam.tenantSessionSeconds;
  if (mfaBacked && seconds > MAX_CHAINED_SESSION_SECONDS) {
    throw new SkybridgeError(
      'invalid_connector_config',
      `iam.tenantSessionSeconds: must be 900 to ${MAX_CHAINED_SESSION_SECONDS} seconds when MFA is used (got ${seconds}): AWS limits roles assumed with MFA session credentials (role chaining) to one hour.`,
      { status: 400, field: 'iam.tenantSessionSeconds' },
    );
  }
}

function memoryKey(identity: TenantIdentity): string {
  return `${identity.connector}\u0000${identity.id}`;
}

/** The store lease an instance holds while it assumes `identity`'s role for all instances. */
export function assumeLeaseName(identity: TenantIdentity): string {
  return `assume:${storeKey(identity)}`;
}

/** The role and external id are part of the shared key, so a reconnected tenant never gets the old role's credentials. */
function storeKey(identity: TenantIdentity): string {
  const binding = createHash('sha256')
    .update(`${identity.roleArn}\n${identity.externalId}`)
    .digest('base64url');
  return `tenant:${identity.connector}:${identity.id}:${binding.slice(0, 22)}`;
}
