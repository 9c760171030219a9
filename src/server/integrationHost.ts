/**
 * Connects the runtime (src/runtime) to the server: the IntegrationHost integration routes use,
 * built from the services the server puts on `ctx.state.skybridge` for every request. Sharing the
 * server's ConnectorRegistry means integration code and the credentials endpoint share one base
 * session and one credential cache per connector.
 *
 * @example
 * const routes = createIntegrationRoutes({ integrations: loaded, host: integrationHostOf, logger });
 * await startServer({ integrationRoutes: routes });
 */
import type { ParameterizedContext } from 'koa';
import type { IntegrationHost } from '../runtime/index.js';
import { InstallStatusCache } from './installStatusCache.js';
import type { ServerServices } from './services.js';
import { countStsFailure, integrationActor, recordCredentialIssue } from './tenantCredentials.js';

const hosts = new WeakMap<ServerServices, IntegrationHost>();

export function integrationHostFor(
  services: Pick<ServerServices, 'store' | 'connectors' | 'clock'> &
    Partial<Pick<ServerServices, 'installStatus' | 'metrics'>>,
): IntegrationHost {
  const { store, connectors, clock, metrics } = services;
  const installStatus = services.installStatus ?? new InstallStatusCache(store, clock);
  return {
    integrationConnectors: async (name) => (await store.integrations.get(name))?.connectors,
    listInstalls: (integration, tenantId) => store.installs.listByIntegration(integration, tenantId),
    getInstall: (id) => store.installs.get(id),
    connector: (name) => connectors.get(name),
    verifyAdminKey: async (key) => (await store.apiKeys.verify(key)) !== undefined,
    isInstallActive: (id) => installStatus.isActive(id),
    // The same audit row and metric as POST .../credentials; the caller is the integration, in the
    // request that asked for the SDK configuration.
    credentialsIssued: ({ requestId, ...issue }) =>
      recordCredentialIssue({ store, metrics }, issue, {
        actor: integrationActor(issue.integration),
        requestId,
      }),
    credentialsFailed: (error) => countStsFailure(metrics, error),
    clock,
  };
}

/** The host for a request served by the server (undefined outside one). */
export function integrationHostOf(ctx: ParameterizedContext): IntegrationHost | undefined {
  const services = (ctx.state as { skybridge?: ServerServices }).skybridge;
  if (!services) return undefined;
  let host = hosts.get(services);
  if (!host) {
    host = integrationHostFor(services);
    hosts.set(services, host);
  }
  return host;
}
