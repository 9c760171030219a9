/**
 * The `skybridge` command as scripts use it: --help everywhere, exit codes (0 ok, 1 failure, 2 bad
 * usage), the API's code and message on failure, and the client commands against `skybridge start`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningCli, repoRoot, runCli, spawnCli } from './support/cliProcess.js';

const COMMANDS = [
  [],
  ['start'],
  ['dev'],
  ['demo'],
  ['sandbox'],
  ['connector'],
  ['connector', 'set'],
  ['connector', 'get'],
  ['connector', 'check'],
  ['connector', 'iam-policy'],
  ['session'],
  ['session', 'create'],
  ['install'],
  ['install', 'list'],
  ['install', 'get'],
  ['install', 'health'],
  ['install', 'delete'],
  ['call'],
];

describe('skybridge --help', () => {
  it('exits 0 with usage on every command', async () => {
    // A few at a time: each is a Node process.
    for (let i = 0; i < COMMANDS.length; i += 4) {
      const batch = COMMANDS.slice(i, i + 4);
      const results = await Promise.all(batch.map((command) => runCli([...command, '--help'])));
      results.forEach((result, index) => {
        const name = ['skybridge', ...(batch[index] ?? [])].join(' ');
        assert.equal(result.code, 0, `${name} --help exited ${result.code}: ${result.stderr}`);
        assert.match(result.stdout, new RegExp(`^Usage: ${name}`, 'm'));
      });
    }
  });
});

describe('skybridge usage errors', () => {
  it('prints usage and exits 2 when an argument is missing', async () => {
    const result = await runCli(['connector', 'get']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing required argument 'name'/);
    assert.match(result.stderr, /Usage: skybridge connector get/);
  });

  it('exits 2 when a required option is missing or a port is not a number', async () => {
    const [noTenant, badPort] = await Promise.all([
      runCli(['session', 'create', 's3-buckets', '--redirect-url', 'https://app.example/done']),
      runCli(['start', '--port', 'eighty']),
    ]);
    assert.equal(noTenant.code, 2);
    assert.match(noTenant.stderr, /required option '--tenant <id>' not specified/);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /must be a port number/);
  });
});

describe('client commands against skybridge start', () => {
  let dataDir = '';
  let server: RunningCli;
  let url = '';
  const adminKey = `cli-test-key-${randomBytes(12).toString('hex')}`;
  const client = (args: string[], input?: string) =>
    runCli([...args, '--url', url], { env: { SKYBRIDGE_ADMIN_KEY: adminKey }, ...(input ? { input } : {}) });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skybridge-cli-'));
    server = spawnCli(
      [
        'start',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--integrations',
        join(repoRoot, 'integrations'),
        '--json',
      ],
      { env: { SKYBRIDGE_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' } },
    );
    const line = await server.waitForLine((l) => l.startsWith('{'));
    const started = JSON.parse(line) as {
      url: string;
      integrations: { loaded: string[]; failed: unknown[] };
    };
    url = started.url;
    assert.deepEqual(started.integrations.loaded, ['s3-buckets', 's3-objects']);
    assert.deepEqual(started.integrations.failed, []);
  });
  after(async () => {
    const ended = await server.stop('SIGINT');
    await rm(dataDir, { recursive: true, force: true });
    assert.equal(ended.code, 0, 'start exits cleanly on Ctrl-C');
  });

  it('sets a connector from a file and from stdin, and reads it back redacted', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const config = {
      type: 'aws',
      bucketName: 'acme-skybridge-templates',
      iam: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secret },
    };
    const file = join(dataDir, 'connector.json');
    await writeFile(file, JSON.stringify(config));
    const fromFile = await client(['connector', 'set', 'main', '--file', file]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(fromFile.stdout.trim(), 'Connector "main" saved.');
    const fromStdin = await client(['connector', 'set', 'other', '--json'], JSON.stringify(config));
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const got = await client(['connector', 'get', 'main', '--json']);
    assert.equal(got.code, 0, got.stderr);
    const shown = JSON.parse(got.stdout) as {
      bucketName: string;
      iam: { accessKeyId: string; secretAccessKey: string };
    };
    assert.equal(shown.bucketName, 'acme-skybridge-templates');
    assert.equal(shown.iam.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
    assert.doesNotMatch(got.stdout + fromStdin.stdout, new RegExp(secret.slice(0, 20)));
  });

  it("prints the connector user's least-privilege IAM policy", async () => {
    const result = await client(['connector', 'iam-policy', 'main']);
    assert.equal(result.code, 0, result.stderr);
    const policy = JSON.parse(result.stdout) as {
      Statement: { Action: string | string[]; Resource: string | string[] }[];
    };
    const actions = policy.Statement.flatMap((s) => [s.Action].flat()).sort();
    assert.deepEqual(actions, ['s3:DeleteObject', 's3:PutObject', 'sts:AssumeRole']);
    const resources = policy.Statement.flatMap((s) => [s.Resource].flat()).sort();
    assert.deepEqual(resources, [
      'arn:aws:iam::*:role/skybridge-connector-role',
      'arn:aws:s3:::acme-skybridge-templates/templates/*',
    ]);
  });

  it("prints the API's code and message and exits 1 for an invalid connector field", async () => {
    const result = await client(
      ['connector', 'set', 'bad'],
      JSON.stringify({ type: 'aws', bucketName: 'x' }),
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error \[invalid_connector_config\]: bucketName: /m);
  });

  it("prints the API's code and message and exits 1 for an unknown connector", async () => {
    const result = await client(['connector', 'get', 'nope']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error \[connector_not_found\]: No connector named "nope"/m);
    const json = await client(['connector', 'get', 'nope', '--json']);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'connector_not_found');
  });

  it("calls an integration's route; a tenant with no install gives the API's message and exit 1", async () => {
    const registered = await fetch(`${url}/v1/integrations/s3-buckets`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        connectors: { awsConnector: 'main' },
        redirectUrls: ['https://app.example/done'],
      }),
    });
    assert.equal(registered.status, 200);
    const result = await client(['call', 's3-buckets', '/api/tenant/nobody/buckets']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^error \[install_not_found\]: Tenant "nobody" has no install of integration "s3-buckets"/m,
    );
  });

  it('creates a session and lists installs', async () => {
    const created = await client([
      'session',
      'create',
      's3-buckets',
      '--tenant',
      'acme',
      '--redirect-url',
      'https://app.example/done',
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const session = JSON.parse(created.stdout) as { id: string; url: string; status: string };
    assert.equal(session.status, 'pending');
    assert.equal(session.url, `${url}/connect/${session.id}`);
    const human = await client([
      'session',
      'create',
      's3-buckets',
      '--tenant',
      'acme',
      '--redirect-url',
      'https://app.example/done',
    ]);
    assert.match(human.stdout, new RegExp(`^${url}/connect/\\S+$`, 'm'));
    const listed = await client(['install', 'list', 's3-buckets', '--tenant', 'acme', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), { items: [] });
    const missing = await client(['install', 'get', 'inst_missing']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error \[install_not_found\]/m);
  });

  it('refuses a wrong admin key with exit 1', async () => {
    const result = await runCli([
      'install',
      'list',
      's3-buckets',
      '--url',
      url,
      '--api-key',
      'not-the-admin-key',
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error \[invalid_api_key\]/m);
  });
});
