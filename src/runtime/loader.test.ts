import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadIntegrations } from './loader.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('loadIntegrations', () => {
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skybridge-loader-'));
    // Integrations import 'skybridge'; outside the repository that needs a node_modules link, as an app has.
    await mkdir(join(dir, 'node_modules'));
    await symlink(packageRoot, join(dir, 'node_modules', 'skybridge'), 'dir');
    const write = async (name: string, file: string, text: string) => {
      await mkdir(join(dir, 'integrations', name), { recursive: true });
      await writeFile(join(dir, 'integrations', name, file), text);
    };
    await write(
      'alpha',
      'index.ts',
      `import { Integration } from 'skybridge';
const integration = new Integration();
integration.router.get('/api/hello', async (ctx) => { ctx.body = { hello: 'alpha' }; });
export default integration;
`,
    );
    await write(
      'broken',
      'index.ts',
      `import { Integration } from 'skybridge';\nthrow new Error('boom at load');\n`,
    );
    await write('syntax', 'index.ts', 'export default {{{;\n');
    await write('plain', 'index.js', 'export default { router: {} };\n');
    await write(
      'gamma',
      'index.js',
      `import { Integration } from 'skybridge';
const integration = new Integration();
integration.router.post('/api/a', () => {}).get('/api/b', { public: true }, () => {});
export default integration;
`,
    );
    await mkdir(join(dir, 'integrations', 'empty'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('loads the good integrations and reports each broken one with its file and error', async () => {
    const { loaded, failed } = await loadIntegrations(join(dir, 'integrations'));
    assert.deepEqual([...loaded.keys()], ['alpha', 'gamma']);
    assert.deepEqual(
      loaded.get('gamma')?.router.routes.map((r) => `${r.method} ${r.path} public=${r.public}`),
      ['POST /api/a public=false', 'GET /api/b public=true'],
    );
    const byName = new Map(failed.map((f) => [f.name, f]));
    assert.deepEqual([...byName.keys()].sort(), ['broken', 'empty', 'plain', 'syntax']);
    assert.equal(byName.get('broken')?.file, join(dir, 'integrations', 'broken', 'index.ts'));
    assert.match(byName.get('broken')?.error ?? '', /boom at load/);
    assert.equal(byName.get('syntax')?.file, join(dir, 'integrations', 'syntax', 'index.ts'));
    assert.ok((byName.get('syntax')?.error ?? '').length > 0);
    assert.match(byName.get('plain')?.error ?? '', /does not default-export an Integration/);
    assert.match(byName.get('empty')?.error ?? '', /no index\.ts or index\.js/);
  });

  it('answers nothing loaded for a missing folder', async () => {
    const { loaded, failed } = await loadIntegrations(join(dir, 'does-not-exist'));
    assert.equal(loaded.size, 0);
    assert.equal(failed.length, 0);
  });
});
