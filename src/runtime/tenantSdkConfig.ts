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
 * A credential provider for one tenant identity, backed by the connector's cached credentials. With
 * `isInstallActive`, each call first checks the install still exists: a client built before the
 * install was deleted gets `install_deleted` instead of fresh credentials.
 */
export function tenantCredentialProvider(
  connector: Pick<AwsConnector, 'getCredentials'>,
  identity: TenantIdentity,
  clock: Clock = systemClock,
  isInstallActive?: (installId: string) => Promise<boolean>,
): AwsCredentialIdentityProvider {
  return async () => {
    if (isInstallActive && identity.installId && !(await isInstallActive(identity.installId))) {
      throw new SkybridgeError(
        'install_deleted',
        `Install "${identity.installId}" of tenant "${identity.tenantId}" was deleted; the tenant must install again through a new session.`,
        { status: 410 },
      );
    }
    const credentials = await connector.getCredentials(identity);
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
  clock?: Clock,
  isInstallActive?: (installId: string) => Promise<boolean>,
): TenantSdkConfig {
  const config: TenantSdkConfig = {
    region: identity.region,
    credentials: tenantCredentialProvider(connector, identity, clock, isInstallActive),
  };
  const endpoints = connector.config.endpoints as { s3?: string; forcePathStyle?: boolean } | undefined;
  if (endpoints?.s3) config.endpoint = endpoints.s3;
  if (endpoints?.forcePathStyle) config.forcePathStyle = true;
  return config;
}
