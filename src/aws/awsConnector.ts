/**
 * The AWS engine as the server and the runtime see it: one object per configured connector that
 * checks the base credentials, prepares a tenant's install (template + console link), verifies the
 * tenant's role, and hands out cached, self-refreshing credentials per tenant.
 *
 * @example
 * const aws = new AwsConnector({ name: 'aws', config, store });
 * const s3 = new S3Client({ region: identity.region, credentials: aws.credentialProvider(identity) });
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import {
  type Clock,
  cryptoRandom,
  type Logger,
  type RandomSource,
  silentLogger,
  systemClock,
} from '../core/index.js';
import { roleArnFor } from './arn.js';
import type { StsTimeouts } from './awsClients.js';
import { BaseSession } from './baseSession.js';
import { type ConnectorConfig, isMfaConfigured } from './connectorConfig.js';
import { buildConsoleUrl } from './consoleLink.js';
import type { EngineStore } from './engineStore.js';
import { connectorUserPolicy } from './iamPolicy.js';
import type { BackoffPolicy } from './retry.js';
import { RoleAssumer } from './roleAssumer.js';
import { TemplatePublisher } from './templatePublisher.js';
import { renderTemplate } from './templateRenderer.js';
import { TenantCredentialBroker } from './tenantCredentials.js';
import type {
  IdentityHealth,
  IdentityHealthListener,
  TenantCredentials,
  TenantIdentity,
  VerifyProgress,
} from './tenantIdentity.js';
import { verifyTenantRole } from './verifier.js';

export type { IdentityHealth, TenantCredentials, TenantIdentity, VerifyProgress };

/** Knobs with good defaults; tests and benchmarks shorten them. */
export interface AwsConnectorTuning {
  /** Refresh credentials this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
  /** Backoff between AssumeRole / GetSessionToken retries on throttling. */
  retryBackoff?: BackoffPolicy;
  /** Backoff between verification attempts while IAM propagates (default ~1 s doubling to ~10 s). */
  verifyBackoff?: BackoffPolicy;
  /** STS socket limits (default 5 s to connect, 5 s per request: see awsClients.ts). */
  stsTimeouts?: StsTimeouts;
}

export interface AwsConnectorOptions {
  name: string;
  config: ConnectorConfig;
  store: EngineStore;
  clock?: Clock;
  random?: RandomSource;
  /** Bound here to `{ connector: name }`, once; the parts only add their `part`. */
  logger?: Logger;
  onIdentityHealth?: IdentityHealthListener;
  tuning?: AwsConnectorTuning;
}

export class AwsConnector {
  readonly name: string;
  readonly config: ConnectorConfig;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  private readonly baseSession: BaseSession;
  private readonly assumer: RoleAssumer;
  private readonly broker: TenantCredentialBroker;
  private readonly verifyBackoff: BackoffPolicy | undefined;
  private publisher: TemplatePublisher | undefined;

  constructor(options: AwsConnectorOptions) {
    this.name = options.name;
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? cryptoRandom;
    this.logger = (options.logger ?? silentLogger).child({ connector: options.name });
    const tuning = options.tuning ?? {};
    this.verifyBackoff = tuning.verifyBackoff;
    this.baseSession = new BaseSession({
      name: options.name,
      config: options.config,
      store: options.store,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      ...(tuning.refreshMarginMs === undefined ? {} : { refreshMarginMs: tuning.refreshMarginMs }),
      ...(tuning.retryBackoff === undefined ? {} : { backoff: tuning.retryBackoff }),
      ...(tuning.stsTimeouts === undefined ? {} : { stsTimeouts: tuning.stsTimeouts }),
    });
    this.assumer = new RoleAssumer({
      config: options.config,
      baseSession: this.baseSession,
      ...(tuning.stsTimeouts === undefined ? {} : { stsTimeouts: tuning.stsTimeouts }),
    });
    this.broker = new TenantCredentialBroker({
      config: options.config,
      store: options.store,
      baseSession: this.baseSession,
      assumer: this.assumer,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      ...(options.onIdentityHealth ? { onIdentityHealth: options.onIdentityHealth } : {}),
      ...(tuning.refreshMarginMs === undefined ? {} : { refreshMarginMs: tuning.refreshMarginMs }),
      ...(tuning.retryBackoff === undefined ? {} : { backoff: tuning.retryBackoff }),
    });
  }

  /** GetCallerIdentity on the base session (with MFA, this obtains the base session first). */
  async check(): Promise<{ accountId: string; arn: string; mfa: 'ok' | 'not-configured' }> {
    const mfa = isMfaConfigured(this.config);
    if (mfa) await this.baseSession.get();
    const identity = await this.baseSession.identity();
    return { accountId: identity.accountId, arn: identity.arn, mfa: mfa ? 'ok' : 'not-configured' };
  }

  async baseAccountId(): Promise<string> {
    return (await this.baseSession.identity()).accountId;
  }

  roleArnFor(accountId: string): string {
    return roleArnFor(this.config, accountId);
  }

  /** Renders the tenant's template and publishes it; the session id names the object. */
  async prepareInstall(input: {
    sessionId: string;
    accountId: string;
    region: string;
    externalId: string;
  }): Promise<{
    templateUrl: string;
    consoleUrl: string;
    templateBody: string;
    templateVersion: string;
    roleArn: string;
    stackName: string;
  }> {
    // Validate what needs no network first, so a bad request fails before anything is written.
    const roleArn = this.roleArnFor(input.accountId);
    const baseAccountId = await this.baseAccountId();
    const { body, version } = renderTemplate(this.config, { baseAccountId, externalId: input.externalId });
    const { templateUrl } = await this.templatePublisher().publish(input.sessionId, body);
    const stackName = this.config.stackName;
    const consoleUrl = buildConsoleUrl({ config: this.config, region: input.region, templateUrl, stackName });
    return { templateUrl, consoleUrl, templateBody: body, templateVersion: version, roleArn, stackName };
  }

  async removeTemplate(sessionId: string): Promise<void> {
    await this.templatePublisher().remove(sessionId);
  }

  /**
   * Assumes the role (retrying AccessDenied until verify.propagationTimeoutSeconds), checks the
   * account with GetCallerIdentity, then that a wrong external id is refused. Throws SkybridgeError
   * `role_not_assumable`, `account_mismatch`, `external_id_not_enforced` (or `verification_aborted`).
   */
  verify(
    identity: TenantIdentity,
    options: { signal?: AbortSignal; onProgress?: (p: VerifyProgress) => void } = {},
  ): Promise<{ accountId: string; roleArn: string; assumedRoleArn: string }> {
    return verifyTenantRole({
      identity,
      config: this.config,
      assumer: this.assumer,
      mfaBacked: this.baseSession.mfa,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(this.verifyBackoff ? { backoff: this.verifyBackoff } : {}),
    });
  }

  /** Cached, one STS call in flight per identity. */
  getCredentials(identity: TenantIdentity): Promise<TenantCredentials> {
    return this.broker.getCredentials(identity);
  }

  /** Self-refreshing, for `new S3Client({ region, credentials })`. */
  credentialProvider(identity: TenantIdentity): AwsCredentialIdentityProvider {
    return this.broker.provider(identity);
  }

  /** Drops cached credentials (uninstall). */
  forget(identity: TenantIdentity): Promise<void> {
    return this.broker.forget(identity);
  }

  iamPolicy(): object {
    return connectorUserPolicy(this.config);
  }

  private templatePublisher(): TemplatePublisher {
    this.publisher ??= new TemplatePublisher({
      config: this.config,
      credentials: this.baseSession.provider(),
    });
    return this.publisher;
  }
}
