/**
 * `skybridge dev` as a developer uses it: start it, open the printed install links (here with plain
 * HTTP, as the demo does), call both examples, stop it with Ctrl-C.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installLikeABrowser } from '../src/cli/browserInstall.js';
import { type RunningCli, spawnCli } from './support/cliProcess.js';

interface DevReady {
  serverUrl: string;
  sandboxUrl: string;
  dataDir: string;
  adminKeyFile: string;
  tenantId: string;
  tenantAccountId: string;
  templateBucket: string;
  installLinks: Record<string, string>;
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
    for (const link of Object.values(ready.installLinks)) {
      const installed = await installLikeABrowser({ sessionUrl: link, accountId: ready.tenantAccountId });
      assert.equal(installed.status, 'completed', JSON.stringify(installed.error));
      assert.match(installed.installId ?? '', /^inst_/);
    }
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
