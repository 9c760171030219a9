import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Middleware } from 'koa';
import { type RunningServer, startServer } from './server.js';
import type { ServerServices } from './services.js';

describe('startServer', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skybridge-server-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates an admin key once, writes it 0600 to the data dir, and keeps it across restarts', async () => {
    const shown: { path: string; key: string }[] = [];
    const env = { SKYBRIDGE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const first = await startServer({ env, port: 0, onAdminKeyCreated: (info) => shown.push(info) });
    try {
      assert.equal(shown.length, 1);
      assert.equal(shown[0]!.path, join(dataDir, 'admin.key'));
      assert.equal(first.adminKey, shown[0]!.key);
      assert.ok(Buffer.from(shown[0]!.key.replace(/^sbk_/, ''), 'base64url').length >= 32);
      assert.equal((await readFile(shown[0]!.path, 'utf8')).trim(), shown[0]!.key);
      assert.equal((await stat(shown[0]!.path)).mode & 0o777, 0o600);
      const ok = await fetch(`${first.url}/v1/connectors/none`, {
        headers: { authorization: `Bearer ${shown[0]!.key}` },
      });
      assert.equal(ok.status, 404, 'the key is accepted (the connector does not exist)');
    } finally {
      await first.close();
    }
    const second = await startServer({ env, port: 0, onAdminKeyCreated: (info) => shown.push(info) });
    try {
      assert.equal(shown.length, 1, 'no second key');
      assert.equal(second.adminKey, undefined);
      const ok = await fetch(`${second.url}/v1/connectors/none`, {
        headers: { authorization: `Bearer ${shown[0]!.key}` },
      });
      assert.equal(ok.status, 404);
    } finally {
      await second.close();
    }
  });

  describe('HTTP behaviour', () => {
    let server: RunningServer;
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    let seen: ServerServices | undefined;
    const adminKey = 'unit-test-admin-key-0123456789';
    const integrationRoutes: Middleware = async (ctx) => {
      seen = ctx.state.skybridge;
      if (ctx.path.endsWith('/slow')) {
        arrived();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      ctx.body = { path: ctx.path };
    };

    before(async () => {
      server = await startServer({
        env: {
          SKYBRIDGE_DATA_DIR: join(dataDir, 'http'),
          SKYBRIDGE_ADMIN_KEY: adminKey,
          LOG_LEVEL: 'silent',
        },
        port: 0,
        integrationRoutes,
      });
    });
    after(async () => {
      await server.close();
    });

    const errorOf = async (response: Response) =>
      ((await response.json()) as { error: { code: string; field?: string } }).error;
    const call = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${adminKey}`, ...(init.headers as Record<string, string>) },
      });

    it('echoes a plain x-request-id and makes one otherwise', async () => {
      const echoed = await call('/healthz', { headers: { 'x-request-id': 'abc-123' } });
      assert.equal(echoed.headers.get('x-request-id'), 'abc-123');
      const made = await call('/healthz', { headers: { 'x-request-id': 'bad id\twith spaces' } });
      assert.match(made.headers.get('x-request-id')!, /^req_[A-Za-z0-9_-]{16}$/);
    });

    it('answers unknown paths, wrong methods and broken JSON in the contract error shape', async () => {
      const missing = await call('/v1/nothing-here');
      assert.equal(missing.status, 404);
      assert.equal((await errorOf(missing)).code, 'not_found');
      const method = await call('/v1/connectors/x', { method: 'PATCH' });
      assert.equal(method.status, 405);
      assert.equal((await errorOf(method)).code, 'method_not_allowed');
      const broken = await call('/v1/connectors/x', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"type":',
      });
      assert.equal(broken.status, 400);
      assert.equal((await errorOf(broken)).code, 'invalid_request');
      const badName = await call('/v1/connectors/bad%20name');
      assert.equal(badName.status, 400);
      assert.equal((await errorOf(badName)).field, 'connector');
    });

    it('hands integration routes the request before the admin-key check, with the services', async () => {
      const answer = await fetch(`${server.url}/v1/integrations/demo/api/tenant/acme`);
      assert.equal(answer.status, 200);
      assert.deepEqual(await answer.json(), { path: '/v1/integrations/demo/api/tenant/acme' });
      assert.equal(seen?.store, server.store);
      const management = await fetch(`${server.url}/v1/integrations/demo`);
      assert.equal(management.status, 401, 'the rest of /v1 still needs the key');
    });

    it('finishes a request in flight before closing', async () => {
      const reached = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const inFlight = fetch(`${server.url}/v1/integrations/demo/api/slow`);
      await reached;
      const closing = server.close();
      await new Promise((r) => setTimeout(r, 50));
      release();
      const answer = await inFlight;
      assert.equal(answer.status, 200);
      await closing;
      await assert.rejects(fetch(`${server.url}/healthz`), 'no longer accepting');
    });
  });
});
