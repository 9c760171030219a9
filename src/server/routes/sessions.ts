import type Router from '@koa/router';
import type { ServerServices } from '../services.js';
import { actorOf, pathName } from './names.js';

/** The headless install flow: the same service the /connect pages use. */
export function sessionRoutes(router: Router, services: ServerServices): void {
  const { flow } = services;

  router.post('/integrations/:integration/sessions', async (ctx) => {
    const integration = pathName('integration', ctx.params.integration);
    const body = (ctx.request.body ?? {}) as { tenantId: string; redirectUrl: string };
    ctx.status = 201;
    ctx.body = await flow.createSession(integration, body, actorOf(ctx.state));
  });

  router.get('/sessions/:id', async (ctx) => {
    ctx.body = await flow.getSession(ctx.params.id!);
  });

  router.post('/sessions/:id/start', async (ctx) => {
    ctx.body = await flow.start(
      ctx.params.id!,
      (ctx.request.body ?? {}) as { accountId: string; region?: string },
    );
  });

  router.post('/sessions/:id/verify', async (ctx) => {
    ctx.body = await flow.verify(ctx.params.id!);
  });

  router.post('/sessions/:id/cancel', async (ctx) => {
    ctx.body = await flow.cancel(ctx.params.id!);
  });
}
