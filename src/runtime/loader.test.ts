import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
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

describe('loadIntegrations outside an ESM project with skybridge installed', () => {
  let dir = '';
  const source = `import { S3 } from '@aws-sdk/client-s3';
import { Integration } from 'skybridge';
const integration = new Integration();
integration.router.get('/api/n', async (ctx) => { ctx.body = { n: typeof S3 }; });
export default integration;
`;
  const only = `import { Integration } from 'skybridge';\nexport default new Integration();\n`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skybridge-outside-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A project folder under the temp dir with the given package.json (none when undefined) and integrations. */
  async function project(
    name: string,
    manifest: object | undefined,
    files: Record<string, string>,
    linkSkybridge: boolean,
  ): Promise<string> {
    const root = join(dir, name);
    await mkdir(join(root, 'integrations'), { recursive: true });
    if (manifest) await writeFile(join(root, 'package.json'), JSON.stringify(manifest));
    if (linkSkybridge) {
      await mkdir(join(root, 'node_modules'), { recursive: true });
      await symlink(packageRoot, join(root, 'node_modules', 'skybridge'), 'dir');
    }
    for (const [folder, text] of Object.entries(files)) {
      await mkdir(join(root, 'integrations', folder));
      await writeFile(join(root, 'integrations', folder, 'index.ts'), text);
    }
    return join(root, 'integrations');
  }

  it('says to install skybridge or move into the checkout when "skybridge" does not resolve', async () => {
    const folder = await project('no-skybridge', { type: 'module' }, { a: only }, false);
    const { failed } = await loadIntegrations(folder);
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.error, /^Cannot find (package|module) 'skybridge'/);
    assert.match(failed[0]!.error, /What to do: 'skybridge' resolves through the package's own "exports"/);
    assert.match(failed[0]!.error, /integrations\/, or install Skybridge in the integration's project/);
    assert.doesNotMatch(failed[0]!.error, /Require stack/);
  });

  it('names the AWS SDK package to install when the project lacks it', async () => {
    const folder = await project('no-sdk', { type: 'module' }, { b: source }, true);
    const { failed } = await loadIntegrations(folder);
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.error, /Cannot find (package|module) '@aws-sdk\/client-s3'/);
    assert.match(failed[0]!.error, /npm install @aws-sdk\/client-s3/);
  });

  it('as `skybridge start` loads them (tsx ESM hooks only), says a folder without "type": "module" is the problem', async () => {
    const folder = await project('commonjs', undefined, { c: only }, true);
    const script = `const { register } = await import('tsx/esm/api'); register();
const { loadIntegrations } = await import(${JSON.stringify(pathToFileURL(join(packageRoot, 'src/runtime/loader.ts')).href)});
console.log(JSON.stringify((await loadIntegrations(${JSON.stringify(folder)})).failed));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageRoot,
    });
    const failed = JSON.parse(stdout) as { name: string; error: string }[];
    assert.equal(failed.length, 1, stdout);
    assert.match(
      failed[0]!.error,
      /What to do: .*index\.ts is loaded as CommonJS because no package\.json above it says "type": "module"/,
    );
    assert.match(
      failed[0]!.error,
      /the Skybridge checkout's integrations\/ folder, or a package whose package\.json has "type": "module"/,
    );
  });
});
