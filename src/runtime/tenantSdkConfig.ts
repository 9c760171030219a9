/**
 * The AWS SDK v3 client configuration integration code gets for one tenant:
 * `new S3(await integration.tenant.getSdkByTenant(ctx, 'awsConnector', tenantId))`.
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsConnector, TenantIdentity } from '../aws/index.js';
import { type Clock, SkybridgeError, systemClock } from '../core/index.js';
import type { HostInstall } from './host.js';

export interface TenantSdkConfig {
  region: string;
  /** Refreshes itself: a client built once keeps working past one credential lifetime. */
  credentials: AwsCredentialIdentityProvider;
  /** Set when the connector points at another endpoint (the sandbox, an emulator, a private endpoint). */
  endpoint?: string;
  forcePathStyle?: boolean;
}

// The SDK memoizes identities on the wall clock and asks again only within 5 minutes of `expiration`.
// Reporting at most this much lifetime makes it ask before each request; the engine answers from its
// cache on Skybridge's clock (shared by instances) and refreshes ahead of expiry.
const REPORTED_LIFETIME_MS = 60_000;

/**
 * Which credential was last recorded for each slot (integration, install, connector alias), so that a
 * credential is recorded once however many clients and requests use it: integration code often builds
 * a client per request, and the engine hands them all the same cached credential. Compared in memory
 * only; the credential itself is never kept here, only its access key id and expiry.
 */
export class IssueLedger {
  private readonly last = new Map<string, { key: string; recorded: Promise<void> }>();

  /** Runs `write` unless this slot's last recorded credential is `credentialKey`; concurrent calls share one. */
  record(slot: string, credentialKey: string, write: () => Promise<void>): Promise<void> {
    const known = this.last.get(slot);
    if (known?.key === credentialKey) return known.recorded;
    const recorded = write();
    this.last.set(slot, { key: credentialKey, recorded });
    // A failed record is forgotten: the next call tries again (and fails again until it succeeds).
    recorded.catch(() => {
      if (this.last.get(slot)?.recorded === recorded) this.last.delete(slot);
    });
    return recorded;
  }
}

export interface TenantCredentialProviderOptions {
  clock?: Clock;
  /**
   * Checked before each call: a client built before the install was deleted gets `install_deleted`
   * instead of fresh credentials.
   */
  isInstallActive?: (installId: string) => Promise<boolean>;
  /**
   * Records a credential handed out for the first time (the audit hook). The SDK calls the provider
   * before nearly every request (see REPORTED_LIFETIME_MS) and the engine returns the same cached
   * credential until it refreshes it: with `ledger`, this fires once per credential and slot, not
   * per AWS call or per client. When it fails, the call fails: no credential leaves unrecorded.
   */
  onIssued?: () => Promise<void>;
  /** Shared by the providers of one host (default: one per provider) and the slot this one records in. */
  ledger?: { issues: IssueLedger; slot: string };
  /** Called when the connector could not give a credential (then the error is thrown on). */
  onFailed?: (error: unknown) => void;
}

/** A credential provider for one tenant identity, backed by the connector's cached credentials. */
export function tenantCredentialProvider(
  connector: Pick<AwsConnector, 'getCredentials'>,
  identity: TenantIdentity,
  options: TenantCredentialProviderOptions = {},
): AwsCredentialIdentityProvider {
  const { clock = systemClock, isInstallActive, onIssued, onFailed } = options;
  const ledger = options.ledger ?? { issues: new IssueLedger(), slot: '' };
  return async () => {
    if (isInstallActive && identity.installId && !(await isInstallActive(identity.installId))) {
      throw new SkybridgeError(
        'install_deleted',
        `Install "${identity.installId}" of tenant "${identity.tenantId}" was deleted; the tenant must install again through a new session.`,
        { status: 410 },
      );
    }
    let credentials: Awaited<ReturnType<typeof connector.getCredentials>>;
    try {
      credentials = await connector.getCredentials(identity);
    } catch (error) {
      onFailed?.(error);
      throw error;
    }
    if (onIssued) {
      await ledger.issues.record(
        ledger.slot,
        `${credentials.accessKeyId}\n${credentials.expiration.getTime()}`,
        onIssued,
      );
    }
    const remaining = credentials.expiration.getTime() - clock.now();
    return {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: new Date(Date.now() + Math.min(remaining, REPORTED_LIFETIME_MS)),
    };
  };
}

/** The engine's view of one install's identity for a connector alias. */
export function tenantIdentityOf(install: HostInstall, alias: string, connectorName: string): TenantIdentity {
  const link = install.identities.find((entry) => entry.alias === alias);
  if (!link) {
    throw new SkybridgeError(
      'identity_not_found',
      `Install "${install.id}" of tenant "${install.tenantId}" has no identity for connector "${alias}"; the tenant must install again after the integration's connectors changed.`,
      { status: 409 },
    );
  }
  const { identity } = link;
  if (!identity.accountId || !identity.roleArn || !identity.region) {
    throw new SkybridgeError(
      'identity_incomplete',
      `Install "${install.id}" of tenant "${install.tenantId}" has no verified role for connector "${alias}" yet.`,
      { status: 409 },
    );
  }
  return {
    id: identity.id,
    connector: connectorName,
    tenantId: install.tenantId,
    installId: install.id,
    accountId: identity.accountId,
    region: identity.region,
    roleArn: identity.roleArn,
    externalId: identity.externalId,
  };
}

export function tenantSdkConfig(
  connector: AwsConnector,
  identity: TenantIdentity,
  options: TenantCredentialProviderOptions = {},
): TenantSdkConfig {
  const config: TenantSdkConfig = {
    region: identity.region,
    credentials: tenantCredentialProvider(connector, identity, options),
  };
  const endpoints = connector.config.endpoints as { s3?: string; forcePathStyle?: boolean } | undefined;
  if (endpoints?.s3) config.endpoint = endpoints.s3;
  if (endpoints?.forcePathStyle) config.forcePathStyle = true;
  return config;
}
