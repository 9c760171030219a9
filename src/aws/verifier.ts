/**
 * Checks a tenant's role before an install is recorded (C6, decision 4):
 * 1. AssumeRole with the tenant's external id, retrying AccessDenied with backoff while IAM
 *    propagates a new role (up to verify.propagationTimeoutSeconds);
 * 2. GetCallerIdentity with the role's credentials must answer the tenant's account;
 * 3. AssumeRole with a different, random external id must be refused: a role that trusts us
 *    without its external id is open to the confused-deputy problem and is rejected as insecure.
 *
 * @example
 * await verifyTenantRole({ identity, config, assumer, onProgress: (p) => log(p.attempt) });
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
import type { ConnectorConfig } from './connectorConfig.js';
import { generateExternalId } from './externalId.js';
import { type BackoffPolicy, backoffDelay, retryWithBackoff } from './retry.js';
import { type AssumedRole, type RoleAssumer, roleSessionName } from './roleAssumer.js';
import { classifyStsError, describeStsError, genericStsError } from './stsErrors.js';
import { assertTenantSessionLength } from './tenantCredentials.js';
import type { TenantIdentity, VerifyProgress } from './tenantIdentity.js';

/** IAM usually propagates a new role in seconds, rarely a minute: start at ~1 s, wait at most ~10 s between tries. */
export const DEFAULT_VERIFY_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 10_000, jitter: 'equal' };

export interface VerifyTenantRoleOptions {
  identity: TenantIdentity;
  config: ConnectorConfig;
  assumer: RoleAssumer;
  /** Whether the base session is MFA-backed (tenant sessions then last at most 1 h). */
  mfaBacked: boolean;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
  signal?: AbortSignal;
  /** Called before each AssumeRole attempt with the previous attempt's error, if any. */
  onProgress?: (progress: VerifyProgress) => void;
  backoff?: BackoffPolicy;
}

export interface VerifiedRole {
  accountId: string;
  roleArn: string;
  assumedRoleArn: string;
}

export async function verifyTenantRole(options: VerifyTenantRoleOptions): Promise<VerifiedRole> {
  const { identity, config, assumer, signal } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const logger = (options.logger ?? silentLogger).child({ part: 'verifier', identity: identity.id });
  assertTenantSessionLength(config, options.mfaBacked);

  const assumed = await assumeUntilPropagated(options, clock, random);

  const caller = await withAbort(signal, () =>
    assumer.callerIdentity(
      {
        accessKeyId: assumed.credentials.accessKeyId,
        secretAccessKey: assumed.credentials.secretAccessKey,
        sessionToken: assumed.credentials.sessionToken,
      },
      signal,
    ),
  );
  if (caller.accountId !== identity.accountId) {
    throw new SkybridgeError(
      'account_mismatch',
      `The role ${identity.roleArn} belongs to account ${caller.accountId || '(unknown)'}, not to the tenant's account ${identity.accountId}. Check the account the stack was created in.`,
      { status: 409, details: { expected: identity.accountId, actual: caller.accountId } },
    );
  }

  const enforced = await externalIdEnforced(options, clock, random);
  if (!enforced) {
    if (config.verify.requireExternalIdEnforced) {
      throw new SkybridgeError(
        'external_id_not_enforced',
        `The role ${identity.roleArn} can be assumed without the tenant's external id: its trust policy lacks the sts:ExternalId condition, which makes it unsafe (confused deputy). Update the stack with the template Skybridge generated, then verify again.`,
        { status: 409 },
      );
    }
    logger.warn(
      { roleArn: identity.roleArn },
      'role does not enforce its external id (accepted by configuration)',
    );
  }

  return {
    accountId: caller.accountId,
    roleArn: identity.roleArn,
    assumedRoleArn: assumed.assumedRoleArn || caller.arn,
  };
}

async function assumeUntilPropagated(
  options: VerifyTenantRoleOptions,
  clock: Clock,
  random: RandomSource,
): Promise<AssumedRole> {
  const { identity, config, assumer, signal, onProgress } = options;
  const backoff = options.backoff ?? DEFAULT_VERIFY_BACKOFF;
  const started = clock.now();
  const deadline = started + config.verify.propagationTimeoutSeconds * 1000;
  let lastError: { code: string; message: string } | undefined;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    onProgress?.({ attempt, elapsedMs: clock.now() - started, ...(lastError ? { lastError } : {}) });
    try {
      return await assumer.assumeRole(
        {
          roleArn: identity.roleArn,
          externalId: identity.externalId,
          sessionName: roleSessionName('skybridge-verify', identity.id),
          durationSeconds: config.iam.tenantSessionSeconds,
        },
        signal,
      );
    } catch (error) {
      throwIfAborted(signal);
      const kind = classifyStsError(error);
      if (kind !== 'access_denied' && kind !== 'throttled' && kind !== 'network') throw verifyFailure(error);
      lastError = describeStsError(error);
      const remaining = deadline - clock.now();
      if (remaining <= 0) {
        if (kind !== 'access_denied') throw verifyFailure(error);
        throw notAssumable(identity, attempt, clock.now() - started, error);
      }
      await clock
        .sleep(Math.min(backoffDelay(attempt - 1, backoff, random), remaining), signal)
        .catch(() => throwIfAborted(signal));
    }
  }
}

/** True when AWS refuses the role with a random external id (throttling is retried, not taken as an answer). */
async function externalIdEnforced(
  options: VerifyTenantRoleOptions,
  clock: Clock,
  random: RandomSource,
): Promise<boolean> {
  const { identity, config, assumer, signal } = options;
  let wrongId = generateExternalId(random);
  if (wrongId === identity.externalId) wrongId = `${wrongId}x`;
  try {
    await retryWithBackoff(
      () =>
        assumer.assumeRole(
          {
            roleArn: identity.roleArn,
            externalId: wrongId,
            sessionName: roleSessionName('skybridge-verify-extid', identity.id),
            durationSeconds: Math.min(900, config.iam.tenantSessionSeconds),
          },
          signal,
        ),
      {
        maxAttempts: 5,
        backoff: { baseMs: 200, capMs: 2_000 },
        clock,
        random,
        signal,
        shouldRetry: (error) => ['throttled', 'network'].includes(classifyStsError(error)),
      },
    );
    return false;
  } catch (error) {
    throwIfAborted(signal);
    if (classifyStsError(error) === 'access_denied') return true;
    throw verifyFailure(error);
  }
}

function notAssumable(
  identity: TenantIdentity,
  attempts: number,
  elapsedMs: number,
  error: unknown,
): SkybridgeError {
  const roleName = identity.roleArn.split('/').pop() ?? identity.roleArn;
  return new SkybridgeError(
    'role_not_assumable',
    `Could not assume ${identity.roleArn} with the tenant's external id after ${Math.round(elapsedMs / 1000)} s (${attempts} attempts; AWS said ${describeStsError(error).code}). Check that the CloudFormation stack was created in account ${identity.accountId}, that it finished (CREATE_COMPLETE), and that the role it created is named ${roleName}; then verify again.`,
    { status: 409, retryable: true, cause: error, details: { attempts, elapsedMs } },
  );
}

function verifyFailure(error: unknown): SkybridgeError {
  if (error instanceof SkybridgeError) return error;
  return (
    genericStsError(error, 'verifying the tenant role') ??
    new SkybridgeError(
      'sts_error',
      `AWS STS failed while verifying the tenant role: ${describeStsError(error).code}`,
      {
        status: 502,
        cause: error,
      },
    )
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new SkybridgeError('verification_aborted', 'Verification of the tenant role was cancelled.', {
      status: 499,
      cause: signal.reason,
    });
  }
}

async function withAbort<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  throwIfAborted(signal);
  try {
    return await run();
  } catch (error) {
    throwIfAborted(signal);
    throw verifyFailure(error);
  }
}
