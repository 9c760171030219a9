import type Router from '@koa/router';
import { SkybridgeError } from '../../core/index.js';
import type { InstallRecord } from '../../store/index.js';
import { tenantIdSchema } from '../installFlow/index.js';
import type { ServerServices } from '../services.js';
import { isVerified, tenantIdentity } from '../tenantCredentials.js';
import { actorOf, pathName } from './names.js';

/** The contract's install answer; `connector` is the integration's alias, `connectorName` the stored connector. */
export function installView(install: InstallRecord) {
  return {
    id: install.id,
    integration: install.integration,
    tenantId: install.tenantId,
    status: install.status,
    sessionId: install.sessionId,
    createdAt: install.createdAt.toISOString(),
    ...(install.deletedAt ? { deletedAt: install.deletedAt.toISOString() } : {}),
    identities: install.identities.map(({ alias, identity }) => ({
      connector: alias,
      connectorName: identity.connector,
      accountId: identity.accountId,
      roleArn: identity.roleArn,
      region: identity.region,
      externalId: identity.externalId,
    })),
  };
}

/** List/get/health/delete of installs. */
export function installRoutes(router: Router, services: ServerServices): void {
  const { store, connectors, installStatus, health } = services;

  const load = async (id: string): Promise<InstallRecord> => {
    const install = await store.installs.get(id);
    if (!install)
      throw new SkybridgeError('install_not_found', `No install with id "${id}".`, { status: 404 });
    return install;
  };

  router.get('/integrations/:integration/installs', async (ctx) => {
    const integration = pathName('integration', ctx.params.integration);
    const raw = ctx.query.tenantId;
    const tenantId = raw === undefined ? undefined : tenantIdSchema.parse(Array.isArray(raw) ? raw[0] : raw);
    const items = await store.installs.listByIntegration(integration, tenantId);
    ctx.body = { items: items.map(installView) };
  });

  router.get('/installs/:id', async (ctx) => {
    ctx.body = installView(await load(ctx.params.id!));
  });

  /** A live check of each identity's role (one AssumeRole, not the credential cache), at most once a minute. */
  router.get('/installs/:id/health', async (ctx) => {
    ctx.body = await health.check(await load(ctx.params.id!), actorOf(ctx.state));
  });

  router.delete('/installs/:id', async (ctx) => {
    const install = await load(ctx.params.id!);
    if (install.status === 'active') {
      await store.installs.delete(install.id, actorOf(ctx.state));
      installStatus.markDeleted(install.id);
      for (const { identity } of install.identities) {
        if (!isVerified(identity)) continue;
        const connector = await connectors.get(identity.connector);
        await connector.forget(tenantIdentity(install.id, identity, connector));
      }
    }
    ctx.status = 204;
  });
}
