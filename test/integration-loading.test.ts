/**
 * `skybridge start` with an integrations folder where one integration throws when imported: the
 * server still starts, says which file failed and why, serves the good integration, and answers 404
 * for the broken one's routes (it is not half-loaded).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningCli, repoRoot, spawnCli } from './support/cliProcess.js';

describe('skybridge start with an integration that fails to load', () => {
  let dir = '';
  let integrationsDir = '';
  let server: RunningCli | undefined;
  let url = '';
  let adminKey = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skybridge-loading-'));
    // An ESM project with skybridge installed, as integrations outside the checkout live (docs/integrations.md).
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await mkdir(join(dir, 'node_modules'));
    await symlink(repoRoot, join(dir, 'node_modules', 'skybridge'), 'dir');
    integrationsDir = join(dir, 'integrations');
    const write = async (name: string, text: string) => {
      await mkdir(join(integrationsDir, name), { recursive: true });
      await writeFile(join(integrationsDir, name, 'index.ts'), text);
    };
    await write(
      'bad',
      `import { Integration } from 'skybridge';
const integration = new Integration();
integration.router.get('/api/hello', async (ctx) => { ctx.body = { hello: 'bad' }; });
throw new Error('bad integration: PARTNER_TOKEN is not set');
export default integration;
`,
    );
    await write(
      'good',
      `import { Integration } from 'skybridge';
const integration = new Integration();
integration.router.get('/api/hello', async (ctx) => { ctx.body = { hello: 'good' }; });
export default integration;
`,
    );

    const dataDir = join(dir, 'data');
    server = spawnCli(['start', '--port', '0', '--data-dir', dataDir, '--integrations', integrationsDir], {
      env: { LOG_LEVEL: 'error' },
    });
    const listening = await server.waitForLine((line) => line.startsWith('Skybridge is listening on '));
    url = listening.slice('Skybridge is listening on '.length).trim();
    await server.waitForLine((line) => line === 'Press Ctrl-C to stop.');
    adminKey = (await readFile(join(dataDir, 'admin.key'), 'utf8')).trim();
  });
  after(async () => {
    if (server) {
      const ended = await server.stop('SIGINT');
      assert.deepEqual(ended, { code: 0, signal: null }, `stderr: ${server.stderr()}`);
    }
    await rm(dir, { recursive: true, force: true });
  });

  const call = async (path: string) => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
    const body = (await response.json()) as { hello?: string; error?: { code: string; message: string } };
    return { status: response.status, body };
  };

  it('starts and names the failed file and its error, on stdout and in the log', async () => {
    const badFile = join(integrationsDir, 'bad', 'index.ts');
    assert.equal(
      await server!.waitForLine((line) => line.startsWith('Integrations:')),
      `Integrations: good (routes under ${url}/v1/integrations/<name>/api)`,
    );
    assert.equal(
      await server!.waitForLine((line) => line.startsWith('Integration "bad"')),
      `Integration "bad" failed to load (${badFile}): bad integration: PARTNER_TOKEN is not set`,
    );
    // The operator's log (stderr, JSON lines) has it too, at level error.
    const logged = server!
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'integration failed to load');
    assert.ok(logged, `a log entry; stderr: ${server!.stderr()}`);
    assert.equal(logged.integration, 'bad');
    assert.equal(logged.file, badFile);
    assert.equal(logged.error, 'bad integration: PARTNER_TOKEN is not set');
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'the server answers');
  });

  it("serves the good integration's route and answers 404 for the broken one's", async () => {
    const good = await call('/v1/integrations/good/api/hello');
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.deepEqual(good.body, { hello: 'good' });

    const bad = await call('/v1/integrations/bad/api/hello');
    assert.equal(bad.status, 404, JSON.stringify(bad.body));
    assert.equal(bad.body.error?.code, 'integration_not_found');
    assert.match(bad.body.error?.message ?? '', /No integration named "bad" is loaded; loaded: good\./);
  });
});
