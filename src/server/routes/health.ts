import type Router from '@koa/router';
import type { ServerServices } from '../services.js';

/** GET /healthz (liveness, no auth) and GET /metrics (Prometheus text, no secrets, no auth). */
export function healthRoutes(router: Router, services: ServerServices): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/metrics', async (ctx) => {
    ctx.type = 'text/plain; version=0.0.4';
    ctx.body = await services.metrics.render(services.store, services.clock.now());
  });
}
