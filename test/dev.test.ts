/**
 * `skybridge dev` as a developer uses it: start it, open the printed install links (here with plain
 * HTTP, as the demo does), call both examples, stop it with Ctrl-C.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { installLikeABrowser } from '../src/cli/browserInstall.js';
import { type RunningCli, repoRoot, runCli, spawnCli } from './support/cliProcess.js';

/**
 * Runs a command line exactly as `dev` printed it for pasting, in `cwd`, through a POSIX shell; only
 * `npx skybridge` becomes this checkout's bin (the test has no registry to resolve npx against).
 */
function runPrinted(command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  assert.match(command, /npx skybridge /);
  const line = command.replace(
    'npx skybridge ',
    `${process.execPath} ${join(repoRoot, 'bin', 'skybridge.js')} `,
  );
  const env = { ...process.env };
  for (const name of ['SKYBRIDGE_ADMIN_KEY', 'SKYBRIDGE_DATA_DIR', 'SKYBRIDGE_PUBLIC_URL']) delete env[name];
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', line], { cwd, env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface DevReady {
  serverUrl: string;
  sandboxUrl: string;
  dataDir: string;
  adminKeyFile: string;
  tenantId: string;
  tenantAccountId: string;
  templateBucket: string;
  installLinks: Record<string, string>;
  callCommands: Record<string, string>;
}

/** The fields the example routes answer with (each route uses some). */
interface RouteAnswer {
  key?: string;
  items?: { key: string }[];
  nextContinuationToken?: string;
  content?: string;
  message?: string;
  error?: { code: string; message: string; field?: string };
}

describe('skybridge dev', () => {
  let dataDir = '';
  let dev: RunningCli;
  let ready: DevReady;
  let adminKey = '';

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${ready.serverUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as RouteAnswer) : undefined };
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skybridge-devtest-'));
    dev = spawnCli(['dev', '--port', '0', '--sandbox-port', '0', '--data-dir', dataDir, '--json']);
    ready = JSON.parse(await dev.waitForLine((line) => line.startsWith('{'))) as DevReady;
    adminKey = (await readFile(ready.adminKeyFile, 'utf8')).trim();
  });
  after(async () => {
    await dev.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints an install link per example integration that completes an install', async () => {
    assert.deepEqual(Object.keys(ready.installLinks).sort(), ['s3-buckets', 's3-objects']);
    for (const [name, link] of Object.entries(ready.installLinks)) {
      const installed = await installLikeABrowser({ sessionUrl: link, accountId: ready.tenantAccountId });
      assert.equal(installed.status, 'completed', JSON.stringify(installed.error));
      assert.match(installed.installId ?? '', /^inst_/);
      // The stand-in app page the install returns to shows the next command to run.
      const appPage = await (await fetch(installed.redirectTo ?? '')).text();
      assert.match(appPage, /<h1>Install complete<\/h1>/);
      assert.ok(appPage.includes(`<code>${ready.callCommands[name]}</code>`), appPage);
    }
  });

  it('prints a call command per integration that works when pasted', async () => {
    assert.equal(
      ready.callCommands['s3-buckets'],
      `SKYBRIDGE_DATA_DIR=${dataDir} npx skybridge call s3-buckets /api/tenant/acme/buckets --url ${ready.serverUrl}`,
    );
    const buckets = await runPrinted(ready.callCommands['s3-buckets'] ?? '', tmpdir());
    assert.equal(buckets.code, 0, buckets.stderr);
    assert.deepEqual(JSON.parse(buckets.stdout), { message: '3 buckets discovered from the AWS account.' });
    const objects = await runPrinted(ready.callCommands['s3-objects'] ?? '', tmpdir());
    assert.equal(objects.code, 0, objects.stderr);
    assert.deepEqual((JSON.parse(objects.stdout) as RouteAnswer).items, []);
  });

  it('serves s3-buckets: the buckets of the tenant account', async () => {
    const answer = await call('GET', `/v1/integrations/s3-buckets/api/tenant/${ready.tenantId}/buckets`);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { message: '3 buckets discovered from the AWS account.' });
  });

  it('serves s3-objects: create, list with prefix and pages, read, delete', async () => {
    const objects = `/v1/integrations/s3-objects/api/tenant/${ready.tenantId}/buckets/acme-reports/objects`;
    for (const key of ['2030/q1.csv', '2030/q2.csv', 'notes.txt']) {
      const created = await call('POST', objects, { key, content: `content of ${key}` });
      assert.equal(created.status, 201);
      assert.equal(created.body?.key, key);
    }
    const listed = await call('GET', `${objects}?prefix=2030/`);
    assert.deepEqual(
      listed.body?.items?.map((i) => i.key),
      ['2030/q1.csv', '2030/q2.csv'],
    );
    const page1 = await call('GET', `${objects}?maxKeys=2`);
    assert.equal(page1.body?.items?.length, 2);
    assert.ok(page1.body?.nextContinuationToken);
    const page2 = await call(
      'GET',
      `${objects}?maxKeys=2&continuationToken=${encodeURIComponent(page1.body?.nextContinuationToken ?? '')}`,
    );
    assert.deepEqual(
      page2.body?.items?.map((i) => i.key),
      ['notes.txt'],
    );
    const read = await call('GET', `${objects}/2030/q1.csv`);
    assert.equal(read.body?.content, 'content of 2030/q1.csv');
    const deleted = await call('DELETE', `${objects}/2030/q1.csv`);
    assert.equal(deleted.status, 204);
    const again = await call('DELETE', `${objects}/2030/q1.csv`);
    assert.equal(again.status, 404);
    assert.equal(again.body?.error?.code, 'object_not_found');
  });

  it('s3-objects: clear errors for a missing bucket, a bad request and a denied bucket', async () => {
    const base = `/v1/integrations/s3-objects/api/tenant/${ready.tenantId}/buckets`;
    const missing = await call('GET', `${base}/no-such-bucket-here/objects`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body?.error?.code, 'bucket_not_found');
    const invalid = await call('POST', `${base}/acme-reports/objects`, { key: '', content: 'x' });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body?.error?.field, 'key');
    const badName = await call('GET', `${base}/Not_A_Bucket/objects`);
    assert.equal(badName.status, 400);
    assert.equal(badName.body?.error?.field, 'bucket');
    // The template bucket belongs to the developer's account: the tenant's role may not list it.
    const denied = await call('GET', `${base}/${ready.templateBucket}/objects`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body?.error?.code, 'access_denied');
    assert.match(denied.body?.error?.message ?? '', /s3:ListBucket/);
  });

  it('stops cleanly on Ctrl-C', async () => {
    const ended = await dev.stop('SIGINT');
    assert.equal(ended.code, 0, dev.stderr());
  });
});

describe('skybridge dev from a fresh directory, as the README says', () => {
  let cwd = '';
  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'skybridge-devcwd-'));
  });
  after(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('keeps its data in ./.skybridge-dev and prints the account id beside each link and the README call command', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const documented = /^(SKYBRIDGE_DATA_DIR=\.skybridge-dev npx skybridge call s3-buckets \S+)$/m.exec(
      readme,
    )?.[1];
    assert.ok(documented, 'the README shows the call command dev prints');

    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'skybridge.js'), 'dev', '--port', '0', '--sandbox-port', '0'],
      {
        cwd,
        env: { ...process.env, SKYBRIDGE_ADMIN_KEY: '', SKYBRIDGE_DATA_DIR: '', SKYBRIDGE_PUBLIC_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      const lines: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`dev not ready: ${lines.join('\n')} ${stderr}`)),
          60_000,
        );
        createInterface({ input: child.stdout }).on('line', (line) => {
          lines.push(line);
          if (line === 'Press Ctrl-C to stop.') {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then(() => reject(new Error(`dev exited: ${lines.join('\n')} ${stderr}`)));
      });
      const output = lines.join('\n');
      const accountId = /^ {2}1\. On the install page \(page 1\), type the AWS account id (\d{12}) /m.exec(
        output,
      )?.[1];
      assert.ok(accountId, output);
      const link = new RegExp(
        `^ {2}s3-buckets +(http://\\S+/connect/\\S+) {2}\\(account id to type: ${accountId}\\)$`,
        'm',
      ).exec(output)?.[1];
      assert.ok(link, output);
      const call = lines.map((l) => l.trim()).find((l) => l.includes('npx skybridge call s3-buckets'));
      assert.ok(call?.startsWith(`${documented} --url http://127.0.0.1:`), `${call} vs README ${documented}`);

      assert.equal(
        await readFile(join(cwd, '.skybridge-dev', '.gitignore'), 'utf8').then((t) => t.split('\n')[1]),
        '*',
      );
      assert.equal((await stat(join(cwd, '.skybridge-dev', 'admin.key'))).mode & 0o777, 0o600);

      const installed = await installLikeABrowser({ sessionUrl: link, accountId });
      assert.equal(installed.status, 'completed', JSON.stringify(installed.error));
      const answer = await runPrinted(call ?? '', cwd);
      assert.equal(answer.code, 0, answer.stderr);
      assert.deepEqual(JSON.parse(answer.stdout), { message: '3 buckets discovered from the AWS account.' });
    } finally {
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    }
  });

  it('refuses to empty a ./.skybridge-dev it did not make', async () => {
    const foreign = await mkdtemp(join(tmpdir(), 'skybridge-devforeign-'));
    try {
      await mkdir(join(foreign, '.skybridge-dev'));
      await writeFile(join(foreign, '.skybridge-dev', 'notes.txt'), 'mine');
      const result = await runCli(['dev', '--port', '0', '--sandbox-port', '0'], { cwd: foreign });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^error \[data_dir_not_ours\]: \S+\.skybridge-dev exists and was not made by skybridge dev/m,
      );
      assert.equal(await readFile(join(foreign, '.skybridge-dev', 'notes.txt'), 'utf8'), 'mine');
    } finally {
      await rm(foreign, { recursive: true, force: true });
    }
  });
});
