import type { AwsConnector, TenantCredentials, TenantIdentity } from '../aws/index.js';
import { isSkybridgeError, SkybridgeError } from '../core/index.js';
import type { IdentityRecord, InstallRecord, Store } from '../store/index.js';
import type { ConnectorRegistry } from './connectorRegistry.js';
import type { Metrics } from './metrics.js';

export interface TenantLookup {
  integration: string;
  /** Either the tenant (its one active install) or a specific install. */
  tenantId?: string;
  installId?: string;
  /** The integration's alias for the connector (e.g. 'awsConnector'); optional when it has only one. */
  connector?: string;
}

export interface ResolvedTenant {
  install: InstallRecord;
  alias: string;
  connector: AwsConnector;
  identity: TenantIdentity;
}

/**
 * Finds the install and connector identity behind a tenant (or install id) of an integration.
 * 404 `install_not_found` without an install, 410 `install_deleted` for a deleted one, 400
 * `several_installs` when a tenant has more than one (then ask by install id). Used by the
 * credentials endpoint and by integration routes (`getSdkByTenant`, `getSdk`).
 */
export async function resolveTenant(
  deps: { store: Store; connectors: ConnectorRegistry },
  lookup: TenantLookup,
): Promise<ResolvedTenant> {
  const install = await findInstall(deps.store, lookup);
  const alias = pickAlias(install, lookup.connector);
  const identity = install.identities.find((entry) => entry.alias === alias)!.identity;
  if (!isVerified(identity)) {
    throw new SkybridgeError(
      'install_incomplete',
      `Install ${install.id} has no verified role for "${alias}".`,
      {
        status: 409,
      },
    );
  }
  const connector = await deps.connectors.get(identity.connector);
  return { install, alias, connector, identity: tenantIdentity(install.id, identity, connector) };
}

/** A stored identity whose role the install flow verified: the engine can assume it. */
export type VerifiedIdentity = IdentityRecord & { accountId: string; roleArn: string };

export function isVerified(identity: IdentityRecord): identity is VerifiedIdentity {
  return Boolean(identity.accountId && identity.roleArn);
}

/** The engine's view of an install's identity; the connector's default region stands in for a missing one. */
export function tenantIdentity(
  installId: string,
  identity: VerifiedIdentity,
  connector: AwsConnector,
): TenantIdentity {
  return {
    id: identity.id,
    connector: identity.connector,
    tenantId: identity.tenantId,
    installId,
    accountId: identity.accountId,
    region: identity.region ?? connector.config.defaultRegion,
    roleArn: identity.roleArn,
    externalId: identity.externalId,
  };
}

/** Who asks for credentials: the audit actor (`api-key:<id>`, `integration:<name>`) and the request. */
export interface CredentialCaller {
  actor: string;
  requestId?: string;
}

/** The actor of credentials handed to integration code (getSdkByTenant/getSdk), next to `api-key:<id>`. */
export function integrationActor(integration: string): string {
  return `integration:${integration}`;
}

/**
 * Records one credential issue: the `credentials.issued` audit row (install, caller, time; never the
 * credential) and the metric. Shared by the credentials endpoint and the credentials handed to
 * integration code, so both leave the same trace.
 */
export async function recordCredentialIssue(
  deps: { store: Store; metrics?: Metrics },
  issue: { installId: string; integration: string; tenantId: string; connector: string },
  caller: CredentialCaller,
): Promise<void> {
  await deps.store.audit.record({
    actor: caller.actor,
    action: 'credentials.issued',
    target: issue.installId,
    details: {
      integration: issue.integration,
      tenantId: issue.tenantId,
      connector: issue.connector,
      ...(caller.requestId ? { requestId: caller.requestId } : {}),
    },
  });
  // Counted once recorded: a credential whose audit row failed is not handed out.
  deps.metrics?.credentialIssued();
}

/** Counts a failure to get tenant credentials from AWS in the metrics (other errors are not STS's). */
export function countStsFailure(metrics: Metrics | undefined, error: unknown): void {
  if (isSkybridgeError(error) && /^(sts_|aws_unreachable|mfa_|tenant_access_denied)/.test(error.code)) {
    metrics?.stsFailure(error.code);
  }
}

/** Issues short-lived credentials for a tenant and records who asked (never the credentials). */
export async function issueTenantCredentials(
  deps: { store: Store; connectors: ConnectorRegistry; metrics?: Metrics },
  lookup: TenantLookup,
  caller: CredentialCaller,
): Promise<TenantCredentials> {
  const resolved = await resolveTenant(deps, lookup);
  let credentials: TenantCredentials;
  try {
    credentials = await resolved.connector.getCredentials(resolved.identity);
  } catch (error) {
    countStsFailure(deps.metrics, error);
    throw error;
  }
  await recordCredentialIssue(
    deps,
    {
      installId: resolved.install.id,
      integration: lookup.integration,
      tenantId: resolved.install.tenantId,
      connector: resolved.alias,
    },
    caller,
  );
  return credentials;
}

async function findInstall(store: Store, lookup: TenantLookup): Promise<InstallRecord> {
  if (lookup.installId) {
    const install = await store.installs.get(lookup.installId);
    if (!install || install.integration !== lookup.integration) {
      throw new SkybridgeError(
        'install_not_found',
        `No install ${lookup.installId} of "${lookup.integration}".`,
        {
          status: 404,
        },
      );
    }
    if (install.status === 'deleted') {
      throw new SkybridgeError(
        'install_deleted',
        `Install ${install.id} was deleted; the tenant must install again through a new session.`,
        { status: 410 },
      );
    }
    return install;
  }
  const tenantId = lookup.tenantId ?? '';
  const installs = await store.installs.listByIntegration(lookup.integration, tenantId);
  if (installs.length === 0) {
    throw new SkybridgeError(
      'install_not_found',
      `Tenant "${tenantId}" has no install of integration "${lookup.integration}". Create a session for it first.`,
      { status: 404 },
    );
  }
  if (installs.length > 1) {
    throw new SkybridgeError(
      'several_installs',
      `Tenant "${tenantId}" has ${installs.length} installs of "${lookup.integration}"; ask by install id.`,
      { status: 400 },
    );
  }
  return installs[0]!;
}

function pickAlias(install: InstallRecord, wanted: string | undefined): string {
  const aliases = install.identities.map((entry) => entry.alias);
  if (wanted !== undefined) {
    if (!aliases.includes(wanted)) {
      throw new SkybridgeError(
        'connector_not_found',
        `connector: the integration has no connector named "${wanted}" (it has ${aliases.join(', ') || 'none'}).`,
        { status: 404, field: 'connector' },
      );
    }
    return wanted;
  }
  if (aliases.length !== 1) {
    throw new SkybridgeError('invalid_request', `connector: required; choose one of ${aliases.join(', ')}.`, {
      status: 400,
      field: 'connector',
    });
  }
  return aliases[0]!;
}
