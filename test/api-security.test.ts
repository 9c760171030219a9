/**
 * An attacker's and a careless user's view of the server: authentication tricks, the install pages'
 * defences, inputs built to hurt, secrets, and installs deleted under a live client. Real server over
 * HTTP, real sandbox, real SQLite.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { createIntegrationRoutes, Integration } from '../src/runtime/index.js';
import { integrationHostOf } from '../src/server/integrationHost.js';
import { type Json, setupWorld, type World } from './support/journey.js';

/** A request exactly as written (no URL normalisation by fetch): method, raw path, headers, body. */
function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

// A client built in one request and used in later ones, as integration code may keep one around.
let keptClient: S3Client | undefined;
const integration = new Integration();
integration.router.get('/api/private', async (ctx) => {
  ctx.body = { private: true };
});
integration.router.get('/api/public', { public: true }, async (ctx) => {
  ctx.body = { public: true };
});
integration.router.post('/api/tenant/:tenantId/client', async (ctx) => {
  keptClient = new S3Client(
    await integration.tenant.getSdkByTenant(ctx, 'awsConnector', ctx.params.tenantId),
  );
  ctx.status = 204;
});
integration.router.get('/api/kept-client/buckets', async (ctx) => {
  const answer = await keptClient!.send(new ListBucketsCommand({}));
  ctx.body = { buckets: answer.Buckets?.map((bucket) => bucket.Name).sort() };
});

describe('server security', () => {
  let world: World;
  const logs: string[] = [];

  before(async () => {
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    world = await setupWorld({
      logStream,
      integrationRoutes: createIntegrationRoutes({
        integrations: new Map([['demo', integration]]),
        host: integrationHostOf,
      }),
    });
    const s3 = world.tenantS3();
    for (const bucket of ['sec-a', 'sec-b']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });
  after(async () => {
    keptClient?.destroy();
    await world?.close();
  });

  /** The page's anti-forgery token. */
  const csrfOf = (page: string): string => {
    const token = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page)?.[1];
    assert.ok(token, 'the page has a form with a csrf field');
    return token;
  };
  const newSession = async (tenantId: string, body: Record<string, unknown> = {}): Promise<Json> => {
    const created = await world.api('POST', '/v1/integrations/demo/sessions', {
      tenantId,
      redirectUrl: world.redirectUrl,
      ...body,
    });
    assert.equal(created.status, 201, created.text);
    return created.body;
  };
  const postForm = (path: string, form: Record<string, string>) =>
    fetch(`${world.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });

  it('records the install before the session says completed, even on a slow database', async () => {
    const installs = world.server.store.installs;
    const create = installs.create.bind(installs);
    installs.create = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return create(...args);
    };
    try {
      const session = await newSession('acme');
      const started = await world.api('POST', `/v1/sessions/${session.id}/start`, {
        accountId: world.tenant.accountId,
      });
      assert.equal((await world.createStack(started.body.templateUrl)).status, 201);
      assert.equal((await world.api('POST', `/v1/sessions/${session.id}/verify`)).status, 200);
      let seen: Json;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        seen = (await world.api('GET', `/v1/sessions/${session.id}`)).body;
        if (seen.status !== 'verifying') break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(seen.status, 'completed', JSON.stringify(seen));
      // The app acts on `completed` (or on the redirect) at once: the install must be there.
      const install = await world.api('GET', `/v1/installs/${seen.installId}`);
      assert.equal(install.status, 200, install.text);
      const credentials = await world.api('POST', '/v1/integrations/demo/tenants/acme/credentials');
      assert.equal(credentials.status, 200, credentials.text);
    } finally {
      installs.create = create;
    }
  });

  it('refuses the management API without the key whatever the letter case or path spelling', async () => {
    const evil = { ...world.connectorConfig, bucketName: 'attacker-bucket' };
    for (const path of ['/V1/connectors/evil', '/v1/Connectors/evil', '//v1/connectors/evil']) {
      const put = await rawRequest(
        world.url,
        'PUT',
        path,
        { 'content-type': 'application/json' },
        JSON.stringify(evil),
      );
      assert.ok([401, 404].includes(put.status), `PUT ${path} answered ${put.status}: ${put.text}`);
    }
    assert.equal((await world.api('GET', '/v1/connectors/evil')).status, 404, 'nothing was stored');
    for (const path of [
      '/V1/integrations/demo/tenants/acme/credentials',
      '/v1/INTEGRATIONS/demo/tenants/acme/credentials',
      '/v1/integrations/demo/tenants/acme/credentials/',
    ]) {
      const credentials = await rawRequest(world.url, 'POST', path);
      assert.ok([401, 404].includes(credentials.status), `POST ${path} answered ${credentials.status}`);
      assert.equal(credentials.text.includes('secretAccessKey'), false);
    }
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'DELETE']) {
      const answer = await rawRequest(world.url, method, '/V1/installs/anything');
      assert.ok([401, 404].includes(answer.status), `${method} /V1/installs answered ${answer.status}`);
    }
  });

  it('compares the admin key as a whole: a prefix, a longer key or another scheme are refused', async () => {
    for (const key of [world.adminKey.slice(0, -1), `${world.adminKey}x`, world.adminKey.toUpperCase(), '']) {
      const answer = await world.api('GET', '/v1/connectors/aws', undefined, { key });
      assert.equal(answer.status, 401, `key ${JSON.stringify(key.slice(-4))}`);
    }
    const basic = await fetch(`${world.url}/v1/connectors/aws`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${world.adminKey}`).toString('base64')}` },
    });
    assert.equal(basic.status, 401);
  });

  it('asks anonymous callers of integration routes for the key unless the route is public, revealing nothing', async () => {
    const anonymous: [string, string][] = [
      ['GET', '/v1/integrations/demo/api/private'],
      ['HEAD', '/v1/integrations/demo/api/private'],
      ['GET', '/v1/integrations/demo/api/private/'],
      ['GET', '/v1/integrations/dem%6F/api/private'],
      ['OPTIONS', '/v1/integrations/demo/api/private'],
      ['POST', '/v1/integrations/demo/api/private'],
      ['DELETE', '/v1/integrations/demo/api/public'],
      ['GET', '/v1/integrations/demo/api/nothing-here'],
      ['GET', '/v1/integrations/other/api/public'],
      ['GET', '/v1/integrations/demo/api/public/../private'],
      ['POST', '/v1/integrations/demo/api/tenant/acme/client'],
    ];
    for (const [method, path] of anonymous) {
      const answer = await rawRequest(world.url, method, path);
      assert.equal(answer.status, 401, `${method} ${path} answered ${answer.status}: ${answer.text}`);
      assert.equal(
        /loaded|serves|no route/.test(answer.text),
        false,
        `${method} ${path} says: ${answer.text}`,
      );
    }
    for (const method of ['GET', 'HEAD']) {
      const open = await rawRequest(world.url, method, '/v1/integrations/demo/api/public');
      assert.equal(open.status, 200, `${method} public route`);
    }
    const withKey = await world.api('GET', '/v1/integrations/demo/api/nothing-here');
    assert.equal(withKey.status, 404);
    assert.equal(withKey.body.error.code, 'route_not_found');
  });

  it('stops a client built before its install was deleted from getting credentials', async () => {
    const built = await world.api('POST', '/v1/integrations/demo/api/tenant/acme/client');
    assert.equal(built.status, 204, built.text);
    const working = await world.api('GET', '/v1/integrations/demo/api/kept-client/buckets');
    assert.equal(working.status, 200, working.text);
    assert.deepEqual(working.body.buckets, ['sec-a', 'sec-b']);

    const installs = await world.api('GET', '/v1/integrations/demo/installs?tenantId=acme');
    const deleted = await world.api('DELETE', `/v1/installs/${installs.body.items[0].id}`);
    assert.equal(deleted.status, 204);

    const refused = await world.api('GET', '/v1/integrations/demo/api/kept-client/buckets');
    assert.equal(refused.status, 410, refused.text);
    assert.equal(refused.body.error.code, 'install_deleted');
    const audit = await world.server.store.audit.list({ action: 'credentials.issued', limit: 1000 });
    assert.ok(
      audit.every((entry) => !JSON.stringify(entry).includes('sessionToken')),
      'the audit log holds no credential',
    );
    // The tenant installs again: a NEW client works, the old one stays refused (it named the old install).
    await world.installTenant('acme', { stack: false });
    const again = await world.api('GET', '/v1/integrations/demo/api/kept-client/buckets');
    assert.equal(again.status, 410);
  });

  it('ignores an external id carried by a request or a form (C8)', async () => {
    const a = await newSession('c8-tenant-a', { externalId: 'tenant 42' });
    const started = await world.api('POST', `/v1/sessions/${a.id}/start`, {
      accountId: world.tenant.accountId,
      externalId: 'tenant 42',
    });
    assert.equal(started.status, 200, started.text);
    const externalA = (await world.server.flow.installDetails(a.id)).externalId!;
    assert.match(externalA, /^[A-Za-z0-9+=,.@:/_-]{22,1224}$/);
    assert.notEqual(externalA, 'tenant 42');

    // Through the page: a forged `externalId` field, and another tenant's external id.
    for (const forged of ['x', externalA]) {
      const b = await newSession(`c8-tenant-b-${forged.length}`);
      const page = await (await fetch(`${world.url}/connect/${b.id}`)).text();
      const posted = await postForm(`/connect/${b.id}`, {
        accountId: world.tenant.accountId,
        region: 'us-east-1',
        externalId: forged,
        csrf: csrfOf(page),
      });
      assert.equal(posted.status, 303);
      const externalB = (await world.server.flow.installDetails(b.id)).externalId!;
      assert.notEqual(externalB, forged);
      assert.notEqual(externalB, externalA);
      assert.match(externalB, /^[A-Za-z0-9+=,.@:/_-]{22,1224}$/);
      const template = await (await fetch(`${world.url}/connect/${b.id}/template.yaml`)).text();
      assert.ok(template.includes(externalB) && !template.includes(externalA));
    }
  });

  it('sends a strict CSP and anti-framing headers on every page, error pages included', async () => {
    const open = await newSession('csp-open');
    const cancelled = await newSession('csp-cancelled');
    await world.api('POST', `/v1/sessions/${cancelled.id}/cancel`);
    const pages: [string, string, number][] = [
      ['GET', `/connect/${open.id}`, 200],
      ['GET', '/connect/no-such-session', 404],
      ['POST', `/connect/${open.id}`, 403],
      ['POST', `/connect/${open.id}/cancel`, 403],
      ['GET', `/connect/${cancelled.id}`, 410],
      ['GET', `/connect/${open.id}/template.yaml`, 409],
      ['GET', '/connect/assets/styles.css', 200],
      ['GET', '/connect/assets/nothing.js', 404],
    ];
    for (const [method, path, status] of pages) {
      const answer = await rawRequest(world.url, method, path);
      assert.equal(answer.status, status, `${method} ${path}: ${answer.text.slice(0, 200)}`);
      const csp = String(answer.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/, `${method} ${path}`);
      assert.match(csp, /frame-ancestors 'none'/, `${method} ${path}`);
      assert.equal(/unsafe-inline|unsafe-eval|\*/.test(csp), false, `${method} ${path}: ${csp}`);
      assert.equal(answer.headers['x-frame-options'], 'DENY', `${method} ${path}`);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', `${method} ${path}`);
    }
  });

  it("refuses a form carrying another session's anti-forgery token", async () => {
    const mine = await newSession('csrf-mine');
    const theirs = await newSession('csrf-theirs');
    const theirToken = csrfOf(await (await fetch(`${world.url}/connect/${theirs.id}`)).text());
    const forged = await postForm(`/connect/${mine.id}`, {
      accountId: world.tenant.accountId,
      csrf: theirToken,
    });
    assert.equal(forged.status, 403);
    const cancel = await postForm(`/connect/${mine.id}/cancel`, { csrf: theirToken });
    assert.equal(cancel.status, 403);
    const verify = await fetch(`${world.url}/connect/${mine.id}/verify`, {
      method: 'POST',
      headers: { 'x-csrf-token': theirToken, accept: 'application/json' },
    });
    assert.equal(verify.status, 403);
    assert.equal((await world.api('GET', `/v1/sessions/${mine.id}`)).body.status, 'pending');
  });

  it('shows hostile tenant ids as text on every page and in every answer', async () => {
    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const session = await newSession(hostile);
    const first = await (await fetch(`${world.url}/connect/${session.id}`)).text();
    assert.equal(first.includes('<script>alert'), false);
    assert.equal(first.includes('<img src=x'), false);
    const started = await postForm(`/connect/${session.id}`, {
      accountId: world.tenant.accountId,
      region: 'us-east-1',
      csrf: csrfOf(first),
    });
    assert.equal(started.status, 303);
    const second = await (await fetch(`${world.url}/connect/${session.id}`)).text();
    assert.equal(second.includes('<script>alert'), false);
    assert.equal(second.includes('<img src=x'), false);
    const status = await fetch(`${world.url}/connect/${session.id}/status`);
    assert.match(String(status.headers.get('content-type')), /^application\/json/);
    const cancelled = await postForm(`/connect/${session.id}/cancel`, { csrf: csrfOf(second) });
    const location = new URL(String(cancelled.headers.get('location')));
    assert.equal(location.origin + location.pathname, world.redirectUrl);
    assert.equal(location.searchParams.get('tenantId'), hostile);
  });

  it('accepts only the registered redirect URL, never a lookalike', async () => {
    const lookalikes = [
      'https://app.example.evil.com/skybridge/done',
      'https://app.example@evil.com/skybridge/done',
      'https://evil.com/https://app.example/skybridge/done',
      'https://app.example/skybridge/done/../../evil',
      'https://app.example/skybridge/done?next=https://evil.com',
      'https://app.example/skybridge/done#x',
      'https://app.example/skybridge/donex',
      'http://app.example/skybridge/done',
      '//app.example/skybridge/done',
      '/skybridge/done',
      'javascript:alert(1)//https://app.example/skybridge/done',
      'data:text/html,<script>alert(1)</script>',
    ];
    for (const redirectUrl of lookalikes) {
      const answer = await world.api('POST', '/v1/integrations/demo/sessions', {
        tenantId: 'r',
        redirectUrl,
      });
      assert.equal(answer.status, 400, `${redirectUrl} answered ${answer.status}`);
      assert.equal(answer.body.error.field, 'redirectUrl');
    }
  });

  it('refuses __proto__ in bodies and keeps Object.prototype clean', async () => {
    const body = `{"tenantId":"proto","redirectUrl":${JSON.stringify(world.redirectUrl)},"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}`;
    const created = await fetch(`${world.url}/v1/integrations/demo/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.adminKey}`, 'content-type': 'application/json' },
      body,
    });
    // The body parser refuses a `__proto__` key outright.
    assert.equal(created.status, 400);
    assert.equal(((await created.json()) as Json).error.code, 'invalid_request');
    const connector = await fetch(`${world.url}/v1/connectors/proto`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${world.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(world.connectorConfig).replace('{', '{"__proto__":{"polluted":"yes"},'),
    });
    assert.equal(connector.status, 400);
    const session = await newSession('proto');
    const form = await postForm(`/connect/${session.id}`, {
      __proto__: 'x',
      'constructor[prototype][polluted]': 'yes',
      csrf: 'x',
    });
    assert.equal(form.status, 403);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await world.api('GET', '/v1/connectors/proto')).status, 404);
  });

  it('refuses huge bodies and wrong content types with clear codes, before reading them anonymously', async () => {
    const huge = JSON.stringify({ tenantId: 'x'.repeat(3 * 1024 * 1024) });
    const authorized = await fetch(`${world.url}/v1/integrations/demo/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.adminKey}`, 'content-type': 'application/json' },
      body: huge,
    });
    assert.equal(authorized.status, 413);
    assert.equal(((await authorized.json()) as Json).error.code, 'payload_too_large');
    const anonymous = await rawRequest(
      world.url,
      'POST',
      '/v1/integrations/demo/sessions',
      { 'content-type': 'application/json' },
      huge,
    );
    assert.equal(anonymous.status, 401);
    const text = await fetch(`${world.url}/v1/integrations/demo/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.adminKey}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ tenantId: 'acme', redirectUrl: world.redirectUrl }),
    });
    assert.equal(text.status, 400);
    const tenant = await world.api('POST', '/v1/integrations/demo/sessions', {
      tenantId: 'ok\u202Ebidi\u0085',
      redirectUrl: world.redirectUrl,
    });
    assert.equal(tenant.status, 400);
    assert.equal(tenant.body.error.field, 'tenantId');
  });

  it('refuses regions outside the partition and odd account ids', async () => {
    const session = await newSession('regions');
    for (const [input, field] of [
      [{ accountId: world.tenant.accountId, region: 'cn-north-1' }, 'region'],
      [{ accountId: world.tenant.accountId, region: 'us-gov-west-1' }, 'region'],
      [{ accountId: world.tenant.accountId, region: 'us-east-1"><x' }, 'region'],
      [{ accountId: Number(world.tenant.accountId) }, 'accountId'],
      [{ accountId: `${world.tenant.accountId}\n` }, 'accountId'],
      [{ accountId: '１２３４５６７８９０１２' }, 'accountId'],
    ] as const) {
      const answer = await world.api('POST', `/v1/sessions/${session.id}/start`, input);
      assert.equal(answer.status, 400, `${JSON.stringify(input)}: ${answer.text}`);
      assert.equal(answer.body.error.field, field, JSON.stringify(input));
    }
    assert.equal((await world.api('GET', `/v1/sessions/${session.id}`)).body.status, 'pending');
  });

  it('ends a session raced by verify and cancel in exactly one state, never cancelled with an install', async () => {
    const session = await newSession('race');
    const started = await world.api('POST', `/v1/sessions/${session.id}/start`, {
      accountId: world.tenant.accountId,
    });
    assert.equal(started.status, 200);
    const [verify, cancel] = await Promise.all([
      world.api('POST', `/v1/sessions/${session.id}/verify`),
      world.api('POST', `/v1/sessions/${session.id}/cancel`),
    ]);
    assert.ok([200, 409].includes(verify.status), verify.text);
    assert.equal(cancel.status, 200, cancel.text);
    const ended = await world.waitForSession(session.id);
    assert.equal(ended.status, 'cancelled');
    assert.equal(ended.installId, undefined);
    const installs = await world.api('GET', '/v1/integrations/demo/installs?tenantId=race');
    assert.deepEqual(installs.body.items, []);
  });

  it('never writes a secret into a log line, an error answer, a page or the database', async () => {
    const credentials = await world.api('POST', '/v1/integrations/demo/tenants/acme/credentials');
    assert.equal(credentials.status, 200, credentials.text);
    // A careless user sends the connector's secrets in a broken or invalid body.
    const broken = await fetch(`${world.url}/v1/connectors/aws`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${world.adminKey}`, 'content-type': 'application/json' },
      body: `{"iam":{"secretAccessKey":"${world.base.secretAccessKey}","otpSecret":"${world.base.otpSecret}"`,
    });
    const invalid = await world.api('PUT', '/v1/connectors/aws', {
      ...world.connectorConfig,
      iam: { ...world.connectorConfig.iam, otpSecret: `${world.base.otpSecret}!!`, mfaSerial: 'nope' },
    });
    const session = await newSession('secrets');
    const page = await (await fetch(`${world.url}/connect/${session.id}`)).text();
    const csrf = csrfOf(page);
    const wrongKey = await world.api('GET', '/v1/connectors/aws', undefined, { key: `${world.adminKey}x` });
    const answers = [await broken.text(), invalid.text, page, wrongKey.text];
    const secrets: Record<string, string> = {
      'IAM secret key': world.base.secretAccessKey,
      'OTP secret': world.base.otpSecret!,
      'admin key': world.adminKey,
      'master key': world.masterKey,
      'tenant secret key': credentials.body.secretAccessKey,
      'tenant session token': credentials.body.sessionToken,
      'anti-forgery token': csrf,
    };
    const logText = logs.join('');
    const audit = JSON.stringify(await world.server.store.audit.list({ limit: 1000 }));
    const { readdirSync, readFileSync } = await import('node:fs');
    const files = readdirSync(world.dataDir).map((name) => ({
      name,
      bytes: readFileSync(`${world.dataDir}/${name}`),
    }));
    for (const [what, secret] of Object.entries(secrets)) {
      assert.ok(secret && secret.length >= 16, `${what} is known to the test`);
      assert.equal(logText.includes(secret), false, `${what} in the logs`);
      assert.equal(audit.includes(secret), false, `${what} in the audit log`);
      // The page must carry its own token; nothing else may, and the database never holds it.
      if (what !== 'anti-forgery token') {
        for (const answer of answers) assert.equal(answer.includes(secret), false, `${what} in an answer`);
      }
      for (const file of files) assert.equal(file.bytes.includes(secret), false, `${what} in ${file.name}`);
    }
    assert.equal(audit.includes('secretAccessKey'), false);
  });

  it('tells /healthz and /metrics callers nothing about tenants, keys or connectors', async () => {
    for (const path of ['/healthz', '/metrics']) {
      const answer = await rawRequest(world.url, 'GET', path);
      assert.equal(answer.status, 200);
      for (const word of [
        'acme',
        'aws',
        'demo',
        world.tenant.accountId,
        world.base.accountId,
        world.templateBucket,
      ])
        assert.equal(answer.text.includes(word), false, `${path} mentions ${word}`);
    }
  });
});

describe('anonymous /metrics', () => {
  it('counts the sessions with one GROUP BY at most once per few seconds, never loading their rows', async () => {
    const world = await setupWorld({ configure: false });
    try {
      const sessions = world.server.store.sessions;
      const original = sessions.countByStatus.bind(sessions);
      const list = sessions.listByStatus.bind(sessions);
      let counts = 0;
      let rowLoads = 0;
      sessions.countByStatus = () => {
        counts += 1;
        return original();
      };
      sessions.listByStatus = (statuses) => {
        rowLoads += 1;
        return list(statuses);
      };
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => fetch(`${world.url}/metrics`).then((r) => r.text())),
      );
      for (let i = 0; i < 5; i += 1) await fetch(`${world.url}/metrics`).then((r) => r.text());
      assert.ok(answers.every((text) => text.includes('skybridge_sessions{status="pending"} 0')));
      assert.equal(counts, 1);
      assert.equal(rowLoads, 0, 'no session row is loaded to count them');
    } finally {
      await world.close();
    }
  });
});
