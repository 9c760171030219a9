import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Koa from 'koa';
import { createApp } from '../src/server/index.js';
import { ENDED_STATUSES, OPEN_STATUSES } from '../src/server/installFlow/sessionView.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/records.js';

const DOC = readFileSync(new URL('../docs/http-api.md', import.meta.url), 'utf8');

interface RouterLayer {
  methods: string[];
  path: string | RegExp;
}

/** "METHOD /path/{param}" for every route the app's Koa routers registered (HEAD aside: GET serves it). */
function registeredRoutes(app: Koa): string[] {
  const routes = new Set<string>();
  for (const middleware of app.middleware) {
    const stack = (middleware as { router?: { stack: RouterLayer[] } }).router?.stack ?? [];
    for (const layer of stack) {
      if (typeof layer.path !== 'string') continue;
      const path = layer.path.replace(/:(\w+)/g, '{$1}');
      for (const method of layer.methods) if (method !== 'HEAD') routes.add(`${method} ${path}`);
    }
  }
  return [...routes].sort();
}

describe('docs/http-api.md', () => {
  let dir = '';
  let store: Store;
  let routes: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skybridge-api-docs-'));
    store = await openStore({ dataDir: dir });
    routes = registeredRoutes(createApp({ store, publicUrl: 'http://127.0.0.1:3000' }));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the routes of every router (sanity: the contract routes are there)', () => {
    for (const route of [
      'GET /healthz',
      'PUT /v1/connectors/{connector}',
      'POST /v1/integrations/{integration}/tenants/{tenantId}/credentials',
      'GET /connect/{id}/status',
    ]) {
      assert.ok(routes.includes(route), `${route} not among ${routes.join(', ')}`);
    }
  });

  it('documents every registered route in a table row', () => {
    const missing = routes.filter((route) => !DOC.includes(`| \`${route}\` |`));
    assert.deepEqual(
      missing,
      [],
      `add a row "| \`METHOD /path\` | auth | request | answer | errors |" for each`,
    );
  });

  it('documents the integration routes and every session status', () => {
    assert.ok(DOC.includes('| `ANY /v1/integrations/{integration}/api/...` |'));
    for (const status of [...OPEN_STATUSES, ...ENDED_STATUSES]) {
      assert.ok(DOC.includes(`| \`${status}\` |`), `session status ${status}`);
    }
  });
});
