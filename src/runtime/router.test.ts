import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Koa from 'koa';
import { z } from 'zod';
import type { Logger } from '../core/index.js';
import type { HostInstall, IntegrationHost } from './host.js';
import { Integration } from './integration.js';
import { IntegrationRouter } from './router.js';
import { createIntegrationRoutes } from './routesMiddleware.js';

const ADMIN_KEY = 'router-test-admin-key';

/** Records log lines so tests can check what an integration failure logs. */
function recordingLogger(lines: { level: string; obj: object; msg?: string }[]): Logger {
  const make = (bindings: object): Logger => ({
    debug: (obj, msg) => lines.push({ level: 'debug', obj: { ...bindings, ...obj }, msg }),
    info: (obj, msg) => lines.push({ level: 'info', obj: { ...bindings, ...obj }, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj: { ...bindings, ...obj }, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj: { ...bindings, ...obj }, msg }),
    child: (more) => make({ ...bindings, ...more }),
  });
  return make({});
}

function install(id: string, tenantId: string): HostInstall {
  return {
    id,
    integration: 'demo',
    tenantId,
    status: 'active',
    createdAt: new Date('2030-01-01T00:00:00Z'),
    identities: [
      {
        alias: 'awsConnector',
        identity: {
          id: `idn_${id}`,
          connector: 'main',
          tenantId,
          externalId: 'ext',
          accountId: '012345678901',
          region: 'us-east-1',
          roleArn: 'arn:aws:iam::012345678901:role/skybridge-connector-role',
        },
      },
    ],
  };
}

/** The installs a server would hold; connectors are never reached by these tests. */
const host: IntegrationHost = {
  integrationConnectors: async (name) =>
    name === 'demo' ? { awsConnector: 'main', logs: 'audit' } : undefined,
  listInstalls: async (_integration, tenantId) =>
    [install('inst_1', 'acme'), install('inst_2', 'globex'), install('inst_3', 'globex')].filter(
      (i) => tenantId === undefined || i.tenantId === tenantId,
    ),
  getInstall: async (id) =>
    id === 'inst_gone' ? { ...install('inst_gone', 'acme'), status: 'deleted' } : undefined,
  connector: async () => {
    throw new Error('no connector in this test');
  },
  verifyAdminKey: async (key) => key === ADMIN_KEY,
};

describe('integration routes', () => {
  const integration = new Integration();
  const lines: { level: string; obj: object; msg?: string }[] = [];
  let baseUrl = '';
  let server: ReturnType<Koa['listen']>;

  integration.router.get('/api/tenant/:tenantId/items/:itemId', async (ctx) => {
    ctx.body = { tenantId: ctx.params.tenantId, itemId: ctx.params.itemId, query: ctx.query };
  });
  integration.router.get('/api/files/*key', async (ctx) => {
    ctx.body = { key: ctx.params.key };
  });
  integration.router.post('/api/items', async (ctx) => {
    const body = z.object({ name: z.string().min(1) }).parse(ctx.request.body);
    ctx.status = 201;
    ctx.body = { created: body.name };
  });
  integration.router.get('/api/public/ping', { public: true }, async (ctx) => {
    ctx.body = { pong: true };
  });
  integration.router.get('/api/missing', async (ctx) => {
    ctx.throw(404, 'Bucket "nope" does not exist.', { code: 'bucket_not_found' });
  });
  integration.router.get('/api/crash', async () => {
    throw new Error('database password is hunter2');
  });
  integration.router.get('/api/tenant/:tenantId/sdk', async (ctx) => {
    await integration.tenant.getSdkByTenant(ctx, 'awsConnector', ctx.params.tenantId);
  });
  integration.router.get('/api/tenant/:tenantId/unknown-connector', async (ctx) => {
    await integration.tenant.getSdkByTenant(ctx, 'azureConnector', ctx.params.tenantId);
  });
  integration.router.get('/api/installs/:installId/sdk', async (ctx) => {
    await integration.service.getSdk(ctx, 'awsConnector', ctx.params.installId);
  });
  integration.router.get('/api/installs', async (ctx) => {
    ctx.body = { items: await integration.service.listInstalls(ctx) };
  });

  before(async () => {
    const app = new Koa();
    app.use(
      createIntegrationRoutes({
        integrations: new Map([['demo', integration]]),
        host,
        logger: recordingLogger(lines),
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/integrations/demo`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = (path: string, init: RequestInit = {}, key: string | null = ADMIN_KEY) =>
    fetch(`${baseUrl}${path}`, {
      ...init,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(init.headers as Record<string, string>),
      },
    });

  it('gives handlers decoded path parameters and the query string', async () => {
    const response = await call('/api/tenant/acme%20corp/items/42?limit=5&tag=a&tag=b');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      tenantId: 'acme corp',
      itemId: '42',
      query: { limit: '5', tag: ['a', 'b'] },
    });
  });

  it('matches a trailing *name against the rest of the path', async () => {
    const response = await call('/api/files/reports/2030/q1.csv');
    assert.deepEqual(await response.json(), { key: 'reports/2030/q1.csv' });
  });

  it('parses a JSON body into ctx.request.body and keeps the status a handler sets', async () => {
    const response = await call('/api/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'first' }),
    });
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { created: 'first' });
  });

  it('answers 400 naming the field when a zod schema refuses the body', async () => {
    const response = await call('/api/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '' }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; field: string; message: string } };
    assert.equal(body.error.code, 'invalid_request');
    assert.equal(body.error.field, 'name');
    assert.match(body.error.message, /^name: /);
  });

  it('requires the admin key unless the route is public', async () => {
    const missing = await call('/api/tenant/acme/items/1', {}, null);
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'unauthorized');
    const wrong = await call('/api/tenant/acme/items/1', {}, 'not-the-key');
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    const open = await call('/api/public/ping', {}, null);
    assert.equal(open.status, 200);
    assert.deepEqual(await open.json(), { pong: true });
  });

  it('turns ctx.throw with a code into the contract error shape', async () => {
    const response = await call('/api/missing');
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), {
      error: { code: 'bucket_not_found', message: 'Bucket "nope" does not exist.' },
    });
  });

  it('answers an exception with 500 and a request id, logs its stack, and leaks nothing', async () => {
    const response = await call('/api/crash', { headers: { 'x-request-id': 'req-crash-1' } });
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.doesNotMatch(text, /hunter2/);
    const body = JSON.parse(text) as { error: { code: string; requestId: string; message: string } };
    assert.equal(body.error.code, 'internal_error');
    assert.equal(body.error.requestId, response.headers.get('x-request-id'));
    assert.match(body.error.message, new RegExp(body.error.requestId));
    const logged = lines.find(
      (l) => l.level === 'error' && (l.obj as { requestId?: string }).requestId === body.error.requestId,
    );
    assert.ok(logged, 'the failure is logged with its request id');
    assert.match(String((logged.obj as { err: { stack: string } }).err.stack), /router\.test\.ts/);
  });

  it('answers 404 for unknown routes and integrations, 405 for a wrong method', async () => {
    const route = await call('/api/nothing-here');
    assert.equal(route.status, 404);
    assert.equal(((await route.json()) as { error: { code: string } }).error.code, 'route_not_found');
    const other = await fetch(baseUrl.replace('/demo', '/other') + '/api/x', {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(other.status, 404);
    assert.match(((await other.json()) as { error: { message: string } }).error.message, /loaded: demo/);
    const method = await call('/api/items');
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'POST');
  });

  it('getSdkByTenant: 404 naming the tenant and integration when the tenant has no install', async () => {
    const response = await call('/api/tenant/initech/sdk');
    assert.equal(response.status, 404);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'install_not_found');
    assert.match(body.error.message, /"initech"/);
    assert.match(body.error.message, /"demo"/);
  });

  it('getSdkByTenant: 400 when the tenant has several installs, naming them', async () => {
    const response = await call('/api/tenant/globex/sdk');
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'several_installs');
    assert.match(body.error.message, /inst_2, inst_3/);
    assert.match(body.error.message, /service\.getSdk/);
  });

  it('getSdkByTenant: an unknown connector name lists the configured ones', async () => {
    const response = await call('/api/tenant/acme/unknown-connector');
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'connector_not_configured');
    assert.match(body.error.message, /"azureConnector"; configured: "awsConnector", "logs"/);
  });

  it('service.getSdk: 404 for an unknown install, 410 for a deleted one', async () => {
    const unknown = await call('/api/installs/inst_nope/sdk');
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'install_not_found');
    const gone = await call('/api/installs/inst_gone/sdk');
    assert.equal(gone.status, 410);
    assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'install_deleted');
  });

  it('service.listInstalls answers the installs of the integration in the API shape', async () => {
    const response = await call('/api/installs');
    const body = (await response.json()) as {
      items: { id: string; createdAt: string; identities: unknown[] }[];
    };
    assert.deepEqual(
      body.items.map((i) => i.id),
      ['inst_1', 'inst_2', 'inst_3'],
    );
    assert.equal(body.items[0]?.createdAt, '2030-01-01T00:00:00.000Z');
    assert.deepEqual(body.items[0]?.identities[0], {
      connector: 'awsConnector',
      accountId: '012345678901',
      roleArn: 'arn:aws:iam::012345678901:role/skybridge-connector-role',
      region: 'us-east-1',
      externalId: 'ext',
    });
  });
});

describe('IntegrationRouter', () => {
  it('refuses paths outside /api and misplaced wildcards when the route is registered', () => {
    const router = new IntegrationRouter();
    assert.throws(() => router.get('/tenant/:id', () => {}), /must start with \/api/);
    assert.throws(() => router.get('/api/*rest/more', () => {}), /only at the end/);
  });

  it('serves HEAD from a GET route and ignores a trailing slash', () => {
    const router = new IntegrationRouter();
    router.get('/api/items/:id', () => {});
    const found = router.match('HEAD', '/api/items/7/');
    assert.equal(found.kind, 'found');
    assert.deepEqual(found.kind === 'found' ? found.params : undefined, { id: '7' });
    assert.equal(router.match('GET', '/api/items').kind, 'not_found');
  });
});
