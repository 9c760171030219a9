/**
 * The connector's base session: the credentials every tenant's AssumeRole is signed with.
 *
 * With MFA, one GetSessionToken (serial + TOTP code) per session lifetime, shared by all tenants and,
 * through the EngineStore, by all instances. AWS accepts each TOTP code once, so the time step is
 * claimed in the store before the code is sent, and a refresh whose step is already used waits for
 * the next step. Without MFA, the long-term keys (or the SDK's default chain) are the base credentials.
 *
 * @example
 * const base = new BaseSession({ name: 'aws', config, store });
 * const sts = new STSClient({ credentials: base.provider() });
 */
import { GetCallerIdentityCommand, GetSessionTokenCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import {
  abortReason,
  type Clock,
  cryptoRandom,
  type Logger,
  type RandomSource,
  randomId,
  SkybridgeError,
  silentLogger,
  systemClock,
} from '../core/index.js';
import { createStsClient, longTermCredentials, type StsTimeouts, sdkExpiration } from './awsClients.js';
import type { ConnectorConfig } from './connectorConfig.js';
import type { EngineStore, StoredCredentials } from './engineStore.js';
import { dnsSuffixOfPartition, partitionOfRegion } from './regions.js';
import { type BackoffPolicy, backoffDelay } from './retry.js';
import { classifyStsError, describeStsError, genericStsError, isLastingNetworkFailure } from './stsErrors.js';
import { TOTP_PERIOD_SECONDS, totpCode, totpStep } from './totp.js';

/** Refresh this long before expiry, so no request ever signs with credentials about to die. */
export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
/** A credential with less than this left is not served, even while a refresh is failing. */
const MIN_SERVE_VALIDITY_MS = 30_000;
/** After a failed background refresh, serve the still-valid session this long before trying again. */
const REFRESH_COOLDOWN_MS = 15_000;
/** How long one instance may hold the right to refresh before another may take over. */
const REFRESH_LEASE_MS = 120_000;
const LEASE_POLL_MS = 1_000;
/** Never wait longer than this for a TOTP step: a longer wait means clocks disagree. */
const MAX_STEP_WAIT_MS = 2 * TOTP_PERIOD_SECONDS * 1000;
const STEP_MS = TOTP_PERIOD_SECONDS * 1000;
/**
 * How long GetSessionToken may keep retrying a transient network failure before answering. Each
 * retry needs a new TOTP step (a claimed step is never reused), so without a bound a caller would
 * wait up to a minute for an endpoint that is simply out of reach.
 */
export const DEFAULT_NETWORK_RETRY_BUDGET_MS = 10_000;

export interface BaseSessionOptions {
  /** The connector's name: part of the store key, so connectors never share a session. */
  name: string;
  config: ConnectorConfig;
  store: EngineStore;
  clock?: Clock;
  random?: RandomSource;
  /** Already bound to the connector by the caller (AwsConnector); this part adds only `part`. */
  logger?: Logger;
  /** Socket limits of this session's STS calls (defaults in awsClients.ts). */
  stsTimeouts?: StsTimeouts;
  /** Refresh this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
  /** GetSessionToken attempts when throttled or unanswered (each with a fresh TOTP step). Default 3. */
  maxAttempts?: number;
  /** Backoff between those attempts. */
  backoff?: BackoffPolicy;
  /**
   * Transient network failures (timeouts, resets) are retried only while the next attempt can be
   * sent within this long of the first (default 10 s). DNS failures and refused connections are
   * never retried within a call.
   */
  networkRetryBudgetMs?: number;
}

export interface CallerIdentity {
  accountId: string;
  arn: string;
  userId: string;
}

/** The base credentials; `expiration` is ms on the engine's clock, Infinity for long-term keys. */
export type BaseCredentials = StoredCredentials;

type Mode = 'mfa' | 'keys' | 'chain';

/** The one refresh in flight, shared by every caller; aborted only once no caller wants it any more. */
interface Refresh {
  promise: Promise<BaseCredentials>;
  controller: AbortController;
  /** Callers waiting with a signal that has not aborted. */
  waiters: number;
  /** A caller without a signal (or a background refresh) waits: never abort. */
  pinned: boolean;
}

export class BaseSession {
  /** True when sessions come from GetSessionToken with an MFA code (tenant sessions are then capped at 1 h). */
  readonly mfa: boolean;
  private readonly mode: Mode;
  private readonly config: ConnectorConfig;
  private readonly store: EngineStore;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  private readonly marginMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly networkRetryBudgetMs: number;
  private readonly stsHost: string;
  private readonly storeKey: string;
  private readonly holder: string;
  private readonly longTerm: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  private readonly stsTimeouts: StsTimeouts;
  private current: BaseCredentials | undefined;
  private inflight: Refresh | undefined;
  private retryAfter = 0;
  private longTermSts: STSClient | undefined;
  private sessionSts: STSClient | undefined;
  private callerIdentity: Promise<CallerIdentity> | undefined;

  constructor(options: BaseSessionOptions) {
    this.config = options.config;
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.logger = (options.logger ?? silentLogger).child({ part: 'base-session' });
    this.stsTimeouts = options.stsTimeouts ?? {};
    this.marginMs = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.backoff = options.backoff ?? { baseMs: 500, capMs: 5_000 };
    this.networkRetryBudgetMs = options.networkRetryBudgetMs ?? DEFAULT_NETWORK_RETRY_BUDGET_MS;
    this.stsHost = stsEndpointHost(options.config);
    const { iam } = options.config;
    this.mfa = Boolean(iam.otpSecret && iam.mfaSerial);
    const longTerm = longTermCredentials(options.config);
    // The default chain's own error names no connector and reads like an STS failure once the SDK
    // wraps it; every path (GetCallerIdentity, GetSessionToken, AssumeRole) should say what to set.
    this.longTerm = typeof longTerm === 'function' ? explainMissingChain(longTerm) : longTerm;
    this.mode = this.mfa ? 'mfa' : typeof this.longTerm === 'function' ? 'chain' : 'keys';
    // The key names the user and device too, so a changed configuration never reuses an old session.
    this.storeKey = `base:${options.name}:${iam.accessKeyId ?? 'default-chain'}:${iam.mfaSerial ?? 'no-mfa'}`;
    this.holder = randomId(this.random, 64);
    if (this.mode === 'keys') {
      const keys = this.longTerm as AwsCredentialIdentity;
      this.current = {
        accessKeyId: keys.accessKeyId,
        secretAccessKey: keys.secretAccessKey,
        expiration: Number.POSITIVE_INFINITY,
      };
    }
  }

  /**
   * Fresh base credentials. From memory when fresh; a still-valid session inside the refresh
   * margin is served while a refresh runs in the background; otherwise the caller waits for the
   * one in-flight refresh. With `signal`, the wait (e.g. for the next TOTP step) ends as soon as it
   * aborts, rejecting with its reason; the refresh itself stops only when no caller waits for it.
   */
  get(signal?: AbortSignal): Promise<BaseCredentials> {
    if (this.mode === 'chain') return this.fromChain();
    const now = this.clock.now();
    const current = this.current;
    if (current && current.expiration - this.marginMs > now) return Promise.resolve(current);
    if (current && current.expiration - MIN_SERVE_VALIDITY_MS > now) {
      if (now >= this.retryAfter) {
        const background = this.startRefresh(false);
        background.pinned = true;
        background.promise.catch((error: unknown) => {
          this.logger.warn(
            { error: describeStsError(error) },
            'base session refresh failed; serving the current one',
          );
        });
      }
      return Promise.resolve(current);
    }
    return this.join(this.startRefresh(false), signal);
  }

  /** Obtains a new session now (sharing a refresh already in flight), e.g. after AWS said ExpiredToken. */
  refresh(signal?: AbortSignal): Promise<BaseCredentials> {
    if (this.mode !== 'mfa') return this.get(signal);
    return this.join(this.startRefresh(true), signal);
  }

  /**
   * Drops the session whose access key is `accessKeyId` (all when omitted), from memory and the
   * store: AWS said it expired early. A newer session obtained meanwhile is kept.
   */
  async invalidate(accessKeyId?: string): Promise<void> {
    if (this.mode !== 'mfa') return;
    if (!accessKeyId || this.current?.accessKeyId === accessKeyId) this.current = undefined;
    const stored = await this.store.getBaseSession(this.storeKey);
    if (stored && (!accessKeyId || stored.accessKeyId === accessKeyId))
      await this.store.deleteBaseSession(this.storeKey);
  }

  /** An AWS SDK credential provider over this session: the SDK asks it on each request. */
  provider(): AwsCredentialIdentityProvider {
    if (this.mode === 'chain') return this.longTerm as AwsCredentialIdentityProvider;
    return async () => {
      const credentials = await this.get();
      return {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
        ...(Number.isFinite(credentials.expiration)
          ? { expiration: sdkExpiration(credentials.expiration, this.clock) }
          : {}),
      };
    };
  }

  /** Who the base credentials belong to (GetCallerIdentity; asked once, then remembered). */
  identity(): Promise<CallerIdentity> {
    if (!this.callerIdentity) {
      const pending = this.askCallerIdentity();
      this.callerIdentity = pending;
      pending.catch(() => {
        if (this.callerIdentity === pending) this.callerIdentity = undefined;
      });
    }
    return this.callerIdentity;
  }

  private async askCallerIdentity(): Promise<CallerIdentity> {
    this.sessionSts ??= createStsClient(this.config, this.provider(), this.stsTimeouts);
    try {
      const answer = await this.sessionSts.send(new GetCallerIdentityCommand({}));
      if (!answer.Account || !answer.Arn || !answer.UserId) {
        throw new SkybridgeError('sts_error', 'AWS STS answered GetCallerIdentity without an account.', {
          status: 502,
        });
      }
      return { accountId: answer.Account, arn: answer.Arn, userId: answer.UserId };
    } catch (error) {
      if (error instanceof SkybridgeError) throw error;
      throw (
        genericStsError(error, 'GetCallerIdentity with the connector credentials', {
          endpointHost: this.stsHost,
        }) ??
        new SkybridgeError(
          'base_credentials_rejected',
          `AWS refused GetCallerIdentity with the connector's credentials (${describeStsError(error).code}).`,
          { status: 502, cause: error },
        )
      );
    }
  }

  private async fromChain(): Promise<BaseCredentials> {
    const identity = await (this.longTerm as AwsCredentialIdentityProvider)();
    return {
      accessKeyId: identity.accessKeyId,
      secretAccessKey: identity.secretAccessKey,
      ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
      // The chain's expiration is on the system clock; its own cache refreshes it.
      expiration: identity.expiration ? identity.expiration.getTime() : Number.POSITIVE_INFINITY,
    };
  }

  private startRefresh(force: boolean): Refresh {
    // A refresh everyone gave up on is settling: callers arriving now start a new one.
    if (this.inflight && !this.inflight.controller.signal.aborted) return this.inflight;
    const controller = new AbortController();
    const pending = this.obtain(force, controller.signal).then(
      (credentials) => {
        this.current = credentials;
        this.retryAfter = 0;
        return credentials;
      },
      (error: unknown) => {
        if (!controller.signal.aborted) this.retryAfter = this.clock.now() + REFRESH_COOLDOWN_MS;
        throw error;
      },
    );
    const refresh: Refresh = { promise: pending, controller, waiters: 0, pinned: false };
    this.inflight = refresh;
    const clear = (): void => {
      if (this.inflight === refresh) this.inflight = undefined;
    };
    pending.then(clear, clear);
    return refresh;
  }

  /** The caller's view of `refresh`: its own abort ends its wait; the last one out stops the refresh. */
  private join(refresh: Refresh, signal: AbortSignal | undefined): Promise<BaseCredentials> {
    if (!signal) {
      refresh.pinned = true;
      return refresh.promise;
    }
    if (signal.aborted) return Promise.reject(abortReason(signal));
    refresh.waiters++;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        refresh.waiters--;
        if (refresh.waiters === 0 && !refresh.pinned) refresh.controller.abort(signal.reason);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      refresh.promise.then(
        (credentials) => {
          signal.removeEventListener('abort', onAbort);
          resolve(credentials);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  private isFresh(credentials: StoredCredentials | undefined, stale?: BaseCredentials): boolean {
    if (!credentials) return false;
    if (stale && credentials.accessKeyId === stale.accessKeyId) return false;
    return credentials.expiration - this.marginMs > this.clock.now();
  }

  private async obtain(force: boolean, signal: AbortSignal): Promise<BaseCredentials> {
    // A forced refresh must not pick the session it replaces back up from the store.
    const replacing = force ? this.current : undefined;
    const stored = await this.store.getBaseSession(this.storeKey);
    if (this.isFresh(stored, replacing)) return stored!;

    // One instance refreshes; the others wait for its session to appear in the store.
    while (
      !(await this.store.tryAcquireLease(this.leaseName(), this.holder, REFRESH_LEASE_MS, this.clock.now()))
    ) {
      await this.clock.sleep(LEASE_POLL_MS, signal);
      const shared = await this.store.getBaseSession(this.storeKey);
      if (this.isFresh(shared, replacing)) return shared!;
    }
    try {
      return await this.getSessionToken(signal);
    } finally {
      await this.store.releaseLease(this.leaseName(), this.holder);
    }
  }

  private leaseName(): string {
    return `refresh:${this.storeKey}`;
  }

  /** GetSessionToken with a never-used TOTP code; retries once on a rejected code, a few times on throttling. */
  private async getSessionToken(signal: AbortSignal): Promise<BaseCredentials> {
    const { otpSecret, mfaSerial, baseSessionSeconds } = this.config.iam;
    const serial = mfaSerial!;
    this.longTermSts ??= createStsClient(this.config, this.longTerm, this.stsTimeouts);
    let minStep = 0;
    let codeRetried = false;
    const started = this.clock.now();
    for (let attempt = 1; ; attempt++) {
      const step = await this.claimStep(serial, minStep, signal);
      // The claim stays whatever happens next: the next try always moves to a later step.
      minStep = step + 1;
      const tokenCode = totpCode(otpSecret!, step);
      try {
        // Not aborted once sent: AWS may accept the code, and only a finished call keeps the session.
        const answer = await this.longTermSts.send(
          new GetSessionTokenCommand({
            SerialNumber: serial,
            TokenCode: tokenCode,
            DurationSeconds: baseSessionSeconds,
          }),
        );
        const c = answer.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
          throw new SkybridgeError('sts_error', 'AWS STS answered GetSessionToken without credentials.', {
            status: 502,
          });
        }
        const credentials: BaseCredentials = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: c.Expiration.getTime(),
          mfa: true,
        };
        await this.store.putBaseSession(this.storeKey, credentials);
        this.logger.info(
          { step, expiration: new Date(credentials.expiration).toISOString() },
          'base session obtained',
        );
        return credentials;
      } catch (error) {
        if (error instanceof SkybridgeError) throw error;
        const kind = classifyStsError(error);
        const described = describeStsError(error);
        this.logger.warn({ step, attempt, kind, error: described }, 'GetSessionToken failed');
        if (kind === 'invalid_mfa_code') {
          if (!codeRetried) {
            codeRetried = true;
            continue;
          }
          throw new SkybridgeError(
            'mfa_code_rejected',
            `AWS rejected two consecutive MFA codes for ${serial}. Check that iam.otpSecret is the secret of that device and that this server's clock is right (TOTP codes depend on it).`,
            { status: 502, field: 'iam.otpSecret', cause: error },
          );
        }
        if (kind === 'mfa_misconfigured' || kind === 'access_denied') {
          throw new SkybridgeError(
            'mfa_misconfigured',
            `AWS could not validate the MFA device ${serial} for the connector's IAM user (${described.code}). Check that iam.mfaSerial is the ARN of a virtual MFA device assigned to the user whose access key is configured.`,
            { status: 502, field: 'iam.mfaSerial', cause: error },
          );
        }
        if (kind === 'throttled' && attempt < this.maxAttempts) {
          await this.clock.sleep(backoffDelay(attempt - 1, this.backoff, this.random), signal);
          continue;
        }
        if (kind === 'network' && attempt < this.maxAttempts && !isLastingNetworkFailure(error)) {
          // The retry sends the next step's code: worth it only if that step starts within the budget.
          const delayMs = backoffDelay(attempt - 1, this.backoff, this.random);
          const sendAt = Math.max(this.clock.now() + delayMs, (step + 1) * STEP_MS);
          if (sendAt - started <= this.networkRetryBudgetMs) {
            await this.clock.sleep(delayMs, signal);
            continue;
          }
        }
        throw genericStsError(error, 'GetSessionToken', { endpointHost: this.stsHost }) ?? error;
      }
    }
  }

  /**
   * Claims the earliest TOTP step at or after `minStep` that nobody used, waiting on the clock
   * until that step has started. Claimed before sending, so two instances never send one code.
   */
  private async claimStep(serial: string, minStep: number, signal: AbortSignal): Promise<number> {
    let wanted = minStep;
    for (let tries = 0; tries < 5; tries++) {
      const now = this.clock.now();
      const step = Math.max(totpStep(now), wanted);
      const waitMs = step * STEP_MS - now;
      if (waitMs > MAX_STEP_WAIT_MS) break;
      if (waitMs > 0) {
        this.logger.debug({ step, waitMs }, 'waiting for an unused TOTP step');
        await this.clock.sleep(waitMs, signal);
      }
      if (await this.store.claimTotpStep(serial, step)) return step;
      const last = await this.store.lastTotpStep(serial);
      wanted = Math.max(step, last ?? step) + 1;
    }
    throw new SkybridgeError(
      'totp_step_unavailable',
      `No unused TOTP time step for ${serial}: the last recorded step is ahead of this server's clock. Check the clocks of the Skybridge instances.`,
      { status: 503, retryable: true },
    );
  }
}

/** The host STS calls go to: endpoints.sts, else the regional endpoint of iam.region. */
export function stsEndpointHost(config: ConnectorConfig): string {
  if (config.endpoints.sts) return new URL(config.endpoints.sts).host;
  const region = config.iam.region;
  return `sts.${region}.${dnsSuffixOfPartition(partitionOfRegion(region))}`;
}

/** The default provider chain, failing with `base_credentials_missing` when it finds nothing. */
function explainMissingChain(chain: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  return async (properties) => {
    try {
      return await chain(properties);
    } catch (error) {
      throw new SkybridgeError(
        'base_credentials_missing',
        'The connector has no iam.accessKeyId/iam.secretAccessKey and the AWS SDK default chain found no credentials (environment, shared config, container or instance role).',
        { status: 500, cause: error },
      );
    }
  };
}
