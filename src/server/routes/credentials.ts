import type Router from '@koa/router';
import { tenantIdSchema } from '../installFlow/index.js';
import type { ServerServices } from '../services.js';
import { issueTenantCredentials } from '../tenantCredentials.js';
import { actorOf, pathName } from './names.js';

/** POST /v1/integrations/{integration}/tenants/{tenantId}/credentials?connector=awsConnector */
export function credentialRoutes(router: Router, services: ServerServices): void {
  router.post('/integrations/:integration/tenants/:tenantId/credentials', async (ctx) => {
    const integration = pathName('integration', ctx.params.integration);
    const tenantId = tenantIdSchema.parse(ctx.params.tenantId);
    const connector = typeof ctx.query.connector === 'string' ? ctx.query.connector : undefined;
    const credentials = await issueTenantCredentials(
      services,
      { integration, tenantId, ...(connector ? { connector } : {}) },
      {
        actor: actorOf(ctx.state),
        ...(typeof ctx.state.requestId === 'string' ? { requestId: ctx.state.requestId } : {}),
      },
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: credentials.expiration.toISOString(),
      region: credentials.region,
    };
  });
}
