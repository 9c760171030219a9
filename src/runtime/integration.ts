/**
 * The object integration code builds and default-exports (`import { Integration } from 'skybridge'`).
 * Its routes run inside the Skybridge server; `tenant.getSdkByTenant` and `service.getSdk` hand them
 * AWS SDK v3 configuration for a tenant's account, resolved from the request's ctx.
 *
 * @example
 * const integration = new Integration();
 * integration.router.get('/api/tenant/:tenantId/buckets', async (ctx) => {
 *   const s3 = new S3(await integration.tenant.getSdkByTenant(ctx, 'awsConnector', ctx.params.tenantId));
 *   ctx.body = await s3.listBuckets({});
 * });
 * export default integration;
 */
import { SkybridgeError } from '../core/index.js';
import {
  type CredentialIssue,
  contextBinding,
  currentRouteBinding,
  type HostInstall,
  type IntegrationHost,
  type RouteBinding,
} from './host.js';
import { IntegrationRouter } from './router.js';
import { IssueLedger, type TenantSdkConfig, tenantIdentityOf, tenantSdkConfig } from './tenantSdkConfig.js';

/** An install as integration code sees it (the API's install shape). */
export interface InstallSummary {
  id: string;
  integration: string;
  tenantId: string;
  status: string;
  createdAt: string;
  identities: {
    connector: string;
    accountId?: string;
    roleArn?: string;
    region?: string;
    externalId: string;
  }[];
}

/** The part of a Koa ctx the runtime reads: the binding the server put on `ctx.state`. */
export type RuntimeContext = { state?: object };

// Lets the loader recognise an Integration even when integration code got another copy of this module.
const INTEGRATION_BRAND = Symbol.for('skybridge.integration');

export class Integration {
  readonly [INTEGRATION_BRAND] = true;
  readonly router = new IntegrationRouter();

  readonly tenant = {
    /**
     * `{ region, credentials }` for the tenant's only install of this integration. 404 when the tenant has
     * none, 400 when it has several (use `service.getSdk` with an install id then).
     */
    getSdkByTenant: async (
      ctx: RuntimeContext,
      connectorName: string,
      tenantId: string,
    ): Promise<TenantSdkConfig> => {
      const binding = bindingOf(ctx, 'tenant.getSdkByTenant');
      const connector = await connectorFor(binding, connectorName);
      if (typeof tenantId !== 'string' || tenantId === '') {
        throw new SkybridgeError('invalid_request', 'tenantId: required (a non-empty string).', {
          status: 400,
          field: 'tenantId',
        });
      }
      const installs = await binding.host.listInstalls(binding.integration, tenantId);
      const install = installs[0];
      if (!install) {
        throw new SkybridgeError(
          'install_not_found',
          `Tenant "${tenantId}" has no install of integration "${binding.integration}": create a session for it and complete the install first.`,
          { status: 404 },
        );
      }
      if (installs.length > 1) {
        throw new SkybridgeError(
          'several_installs',
          `Tenant "${tenantId}" has ${installs.length} installs of integration "${binding.integration}" (${installs.map((i) => i.id).join(', ')}): use integration.service.getSdk(ctx, connectorName, installId) with one of them.`,
          { status: 400 },
        );
      }
      return sdkFor(binding, install, connector);
    },
  };

  readonly service = {
    /** `{ region, credentials }` for one install of this integration, by install id. */
    getSdk: async (
      ctx: RuntimeContext,
      connectorName: string,
      installId: string,
    ): Promise<TenantSdkConfig> => {
      const binding = bindingOf(ctx, 'service.getSdk');
      const connector = await connectorFor(binding, connectorName);
      const install = typeof installId === 'string' ? await binding.host.getInstall(installId) : undefined;
      if (!install || install.integration !== binding.integration) {
        throw new SkybridgeError(
          'install_not_found',
          `No install "${String(installId)}" of integration "${binding.integration}".`,
          { status: 404 },
        );
      }
      if (install.status !== 'active') {
        throw new SkybridgeError(
          'install_deleted',
          `Install "${install.id}" was deleted; the tenant must install again through a new session.`,
          { status: 410 },
        );
      }
      return sdkFor(binding, install, connector);
    },

    /** The active installs of this integration, optionally of one tenant. */
    listInstalls: async (
      ctx: RuntimeContext,
      options: { tenantId?: string } = {},
    ): Promise<InstallSummary[]> => {
      const binding = bindingOf(ctx, 'service.listInstalls');
      const installs = await binding.host.listInstalls(binding.integration, options.tenantId);
      return installs.map(summarize);
    },
  };
}

export function isIntegration(value: unknown): value is Integration {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[INTEGRATION_BRAND] === true &&
    (value as { router?: unknown }).router instanceof Object
  );
}

function bindingOf(ctx: RuntimeContext, method: string): RouteBinding {
  const binding = contextBinding(ctx);
  if (!binding) {
    throw new SkybridgeError(
      'runtime_not_bound',
      `integration.${method} needs the ctx of a request served by Skybridge (pass the route handler's ctx).`,
      { status: 500 },
    );
  }
  return binding;
}

/** Resolves a connector alias of the integration; an unknown alias lists the configured ones. */
async function connectorFor(binding: RouteBinding, alias: string): Promise<{ alias: string; name: string }> {
  const connectors = await binding.host.integrationConnectors(binding.integration);
  if (!connectors) {
    throw new SkybridgeError(
      'integration_not_registered',
      `Integration "${binding.integration}" is not registered: PUT /v1/integrations/${binding.integration} with its connectors and redirect URLs.`,
      { status: 404 },
    );
  }
  const name = Object.hasOwn(connectors, alias) ? connectors[alias] : undefined;
  if (!name) {
    const configured = Object.keys(connectors);
    throw new SkybridgeError(
      'connector_not_configured',
      `Integration "${binding.integration}" has no connector "${alias}"; configured: ${configured.length ? configured.map((c) => `"${c}"`).join(', ') : 'none'}.`,
      { status: 400, field: 'connectorName' },
    );
  }
  return { alias, name };
}

// One ledger per host (one per server): a credential is recorded once per install and connector, even
// when every request builds its own client, as the bundled examples do.
const ledgers = new WeakMap<IntegrationHost, IssueLedger>();
function ledgerOf(host: IntegrationHost): IssueLedger {
  let ledger = ledgers.get(host);
  if (!ledger) {
    ledger = new IssueLedger();
    ledgers.set(host, ledger);
  }
  return ledger;
}

async function sdkFor(
  binding: RouteBinding,
  install: HostInstall,
  resolved: { alias: string; name: string },
): Promise<TenantSdkConfig> {
  const identity = tenantIdentityOf(install, resolved.alias, resolved.name);
  const connector = await binding.host.connector(resolved.name);
  const { host } = binding;
  // The integration that asked is the caller; the request is the one the SDK call runs in (a kept
  // client refreshes during a later route), else the one that asked for the configuration.
  const issue = (): CredentialIssue => ({
    integration: binding.integration,
    installId: install.id,
    tenantId: install.tenantId,
    connector: resolved.alias,
    requestId: currentRouteBinding()?.requestId ?? binding.requestId,
  });
  return tenantSdkConfig(connector, identity, {
    clock: host.clock,
    isInstallActive: host.isInstallActive ? (id) => host.isInstallActive!(id) : undefined,
    onIssued: host.credentialsIssued ? () => host.credentialsIssued!(issue()) : undefined,
    ledger: { issues: ledgerOf(host), slot: `${binding.integration}\n${install.id}\n${resolved.alias}` },
    onFailed: host.credentialsFailed ? (error) => host.credentialsFailed!(error) : undefined,
  });
}

function summarize(install: HostInstall): InstallSummary {
  return {
    id: install.id,
    integration: install.integration,
    tenantId: install.tenantId,
    status: install.status,
    createdAt: install.createdAt.toISOString(),
    identities: install.identities.map(({ alias, identity }) => ({
      connector: alias,
      accountId: identity.accountId,
      roleArn: identity.roleArn,
      region: identity.region,
      externalId: identity.externalId,
    })),
  };
}
