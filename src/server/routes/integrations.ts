import type Router from '@koa/router';
import { z } from 'zod';
import { SkybridgeError } from '../../core/index.js';
import type { IntegrationRecord } from '../../store/index.js';
import type { ServerServices } from '../services.js';
import { actorOf, pathName, resourceName } from './names.js';

const redirectUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && !value.includes('#');
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL without a fragment');

const integrationSchema = z.object({
  connectors: z
    .record(resourceName, resourceName)
    .refine((value) => Object.keys(value).length > 0, 'must name at least one connector'),
  redirectUrls: z
    .array(redirectUrl)
    .min(1, 'must list at least one URL')
    .max(50, 'must list at most 50 URLs'),
});

export function integrationView(record: IntegrationRecord) {
  return {
    name: record.name,
    connectors: record.connectors,
    redirectUrls: record.redirectUrls,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

/** PUT/GET /v1/integrations/{integration}: its connectors must exist. */
export function integrationRoutes(router: Router, services: ServerServices): void {
  const { store } = services;

  router.put('/integrations/:integration', async (ctx) => {
    const name = pathName('integration', ctx.params.integration);
    const input = integrationSchema.parse(ctx.request.body);
    for (const [alias, connector] of Object.entries(input.connectors)) {
      if (!(await store.connectors.get(connector))) {
        throw new SkybridgeError(
          'connector_not_found',
          `connectors.${alias}: no connector named "${connector}"; create it first with PUT /v1/connectors/${connector}.`,
          { status: 400, field: `connectors.${alias}` },
        );
      }
    }
    ctx.body = integrationView(await store.integrations.put(name, input, actorOf(ctx.state)));
  });

  router.get('/integrations/:integration', async (ctx) => {
    const name = pathName('integration', ctx.params.integration);
    const record = await store.integrations.get(name);
    if (!record) {
      throw new SkybridgeError('integration_not_found', `No integration named "${name}".`, { status: 404 });
    }
    ctx.body = integrationView(record);
  });
}
