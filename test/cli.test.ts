/**
 * The `skybridge` command as scripts use it: --help everywhere, exit codes (0 ok, 1 failure, 2 bad
 * usage), the API's code and message on failure, and the client commands against `skybridge start`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
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
  ['integration'],
  ['integration', 'set'],
  ['integration', 'get'],
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
        assert.match(result.stdout, /^Examples:\n {2}\$ \S*npx skybridge /m, `${name} --help has no example`);
      });
    }
  });

  it('the top-level help lists the environment and the exit codes; `help <command>` exits 0', async () => {
    const [top, helpCommand] = await Promise.all([runCli(['--help']), runCli(['help', 'connector'])]);
    for (const name of [
      'SKYBRIDGE_PORT',
      'SKYBRIDGE_PUBLIC_URL',
      'SKYBRIDGE_DATA_DIR',
      'SKYBRIDGE_ADMIN_KEY',
      'SKYBRIDGE_MASTER_KEY',
      'DATABASE_URL',
    ]) {
      assert.match(top.stdout, new RegExp(`^ {2}${name} `, 'm'), name);
    }
    assert.match(top.stdout, /^Exit codes: 0 success; 1 failure/m);
    assert.equal(helpCommand.code, 0, helpCommand.stderr);
    assert.match(helpCommand.stdout, /^Usage: skybridge connector /m);
  });
});

describe('skybridge usage errors', () => {
  it('prints usage and exits 2 when an argument is missing', async () => {
    const result = await runCli(['connector', 'get']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing required argument 'name'/);
    assert.match(result.stderr, /Usage: skybridge connector get/);
  });

  it('names the missing <integration> first when session create gets nothing', async () => {
    const result = await runCli(['session', 'create']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: missing required argument 'integration'/);
    assert.match(result.stderr, /Usage: skybridge session create/);
  });

  it('integration set: exit 2 without --connector or with one not written alias=connector', async () => {
    const [noConnector, badConnector] = await Promise.all([
      runCli(['integration', 'set', 's3-buckets', '--redirect-url', 'https://app.example/done']),
      runCli([
        'integration',
        'set',
        's3-buckets',
        '--connector',
        'main',
        '--redirect-url',
        'https://x.example',
      ]),
    ]);
    assert.equal(noConnector.code, 2);
    assert.match(noConnector.stderr, /^error: required option '--connector <alias=connector>' not specified/);
    assert.equal(badConnector.code, 2);
    assert.match(badConnector.stderr, /must be <alias>=<connector>, e\.g\. awsConnector=main/);
  });

  it('--json: usage errors stay text on stderr, stdout stays empty', async () => {
    const result = await runCli(['connector', 'get', '--json']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^error: missing required argument 'name'/);
  });

  it('exit 2 and the problem named first on stderr for a missing or unknown command', async () => {
    const [group, top, helpUnknown] = await Promise.all([
      runCli(['connector']),
      runCli([]),
      runCli(['help', 'bogus']),
    ]);
    for (const result of [group, top, helpUnknown]) {
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
    }
    assert.match(group.stderr, /^error: missing command: one of set, get, check, iam-policy\n/);
    assert.match(group.stderr, /Usage: skybridge connector/);
    assert.match(top.stderr, /^error: missing command: one of sandbox, start, dev, demo, connector,/);
    assert.match(helpUnknown.stderr, /^error: unknown command 'bogus'\n/);
  });

  it('exit 2, nothing on stdout even with --json, for an invalid option or argument value', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['call', 'x', '/api/y', '-X', 'GE T'],
        /^error: option '-X, --method <method>' argument 'GE T' is invalid/,
      ],
      [
        ['install', 'list', 'x', '--url', 'localhost:3000'],
        /^error: option '--url <url>' argument 'localhost:3000' is invalid\. must be an absolute http\(s\) URL/,
      ],
      [
        ['connector', 'get', ''],
        /^error: command-argument value '' is invalid for argument 'name'\. must not be empty/,
      ],
      [
        ['install', 'get', 'inst_x', '--timeout', '0'],
        /^error: option '--timeout <seconds>' argument '0' is invalid/,
      ],
      [
        ['session', 'create', 's3-buckets', '--tenant', 'acme', '--redirect-url', 'app.example/done'],
        /^error: option '--redirect-url <url>' argument 'app\.example\/done' is invalid/,
      ],
      [
        ['dev', '--log-level', 'loud'],
        /^error: option '--log-level <level>' argument 'loud' is invalid\. Allowed choices are fatal, error/,
      ],
      [
        ['sandbox', '--port', '70000'],
        /^error: option '--port <port>' argument '70000' is invalid\. must be a port number 0-65535/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) => runCli([...args, '--json'], { env: { SKYBRIDGE_ADMIN_KEY: 'k' } })),
    );
    results.forEach((result, index) => {
      const [args, message] = cases[index]!;
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '', args.join(' '));
      assert.match(result.stderr, message);
    });
  });

  it('connector set with nothing on stdin is bad usage (exit 2), not a JSON parse error', async () => {
    const result = await runCli(['connector', 'set', 'main', '--url', 'http://127.0.0.1:9', '--json'], {
      input: '',
    });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^error: no connector configuration: stdin was empty; give it with --file <path> or on stdin\.\n/,
    );
  });

  it('--json failures: exit 1 and one {"error"} document on stdout (unreachable, bad SKYBRIDGE_PUBLIC_URL)', async () => {
    const [unreachable, badEnv] = await Promise.all([
      runCli(['install', 'get', 'inst_x', '--url', 'http://127.0.0.1:9', '--json'], {
        env: { SKYBRIDGE_ADMIN_KEY: 'k' },
      }),
      runCli(['install', 'get', 'inst_x', '--json'], {
        env: { SKYBRIDGE_ADMIN_KEY: 'k', SKYBRIDGE_PUBLIC_URL: 'localhost:3000' },
      }),
    ]);
    assert.equal(unreachable.code, 1);
    assert.equal(unreachable.stderr, '');
    const down = JSON.parse(unreachable.stdout) as { error: { code: string; message: string } };
    assert.equal(down.error.code, 'server_unreachable');
    assert.match(down.error.message, /^Could not reach Skybridge at http:\/\/127\.0\.0\.1:9 /);
    assert.equal(badEnv.code, 1);
    assert.deepEqual(JSON.parse(badEnv.stdout), {
      error: {
        code: 'invalid_config',
        message: 'SKYBRIDGE_PUBLIC_URL: must be an absolute http(s) URL',
        field: 'SKYBRIDGE_PUBLIC_URL',
      },
    });
  });

  it('gives up on a server that never answers after --timeout (exit 1, server_unreachable)', async () => {
    // Accepts connections and never answers: without a deadline the command would wait for minutes.
    const silent: Server = createServer(() => {});
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const result = await runCli(
        [
          'session',
          'create',
          's3-buckets',
          '--tenant',
          'acme',
          '--redirect-url',
          'https://app.example/done',
          '--timeout',
          '0.5',
        ],
        { env: { SKYBRIDGE_ADMIN_KEY: 'k', SKYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}` } },
      );
      assert.equal(result.code, 1, result.stderr);
      assert.equal(
        result.stderr.trim(),
        `error [server_unreachable]: Skybridge at http://127.0.0.1:${port} did not answer POST /v1/integrations/s3-buckets/sessions within 0.5 s ` +
          '(the request may still have taken effect). Is --url (or SKYBRIDGE_PUBLIC_URL) a Skybridge server? For a slow route, raise --timeout.',
      );
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    } finally {
      silent.close();
    }
  });

  it('sandbox --json: a port in use is one {"error"} document on stdout and exit 1, like start', async () => {
    const { busy, port } = await busyPort();
    try {
      const result = await runCli(['sandbox', '--port', String(port), '--json']);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr, '');
      const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
      assert.equal(error.code, 'port_in_use');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}.*--port`));
    } finally {
      busy.close();
    }
  });

  it('start and dev on a busy port: port_in_use before anything is written (no unseen admin key, dev data kept)', async () => {
    const { busy, port } = await busyPort();
    const dir = await mkdtemp(join(tmpdir(), 'skybridge-cli-busy-'));
    try {
      const startData = join(dir, 'start-data');
      // dev empties ./.skybridge-dev at each start: run it where a running dev keeps its data.
      const runningDevKey = join(dir, '.skybridge-dev', 'admin.key');
      await mkdir(join(dir, '.skybridge-dev'));
      await writeFile(runningDevKey, 'the running dev key\n');
      const [start, dev, devBadHost] = await Promise.all([
        runCli(['start', '--port', String(port), '--data-dir', startData]),
        runCli(['dev', '--sandbox-port', String(port)], { cwd: dir }),
        // The server's own address (SKYBRIDGE_HOST) is checked too, before anything is emptied.
        runCli(['dev', '--port', '0', '--sandbox-port', '0', '--app-port', '0'], {
          cwd: dir,
          env: { SKYBRIDGE_HOST: 'no.such.host.invalid' },
        }),
      ]);
      assert.equal(devBadHost.code, 1, devBadHost.stderr);
      assert.match(
        devBadHost.stderr,
        /^error \[invalid_host\]: Skybridge cannot listen on "no\.such\.host\.invalid"/,
      );
      assert.equal(start.code, 1, start.stderr);
      assert.match(
        start.stderr,
        new RegExp(`^error \\[port_in_use\\]: Skybridge cannot listen on 127\\.0\\.0\\.1:${port}`),
      );
      assert.equal(existsSync(startData), false, 'start wrote its data directory before failing');
      assert.equal(dev.code, 1, dev.stderr);
      assert.match(dev.stderr, /port_in_use.*--sandbox-port/);
      assert.equal(await readFile(runningDevKey, 'utf8'), 'the running dev key\n');
    } finally {
      busy.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a body that is not JSON before sending anything', async () => {
    // Port 9 has no server: had the request been sent, the error would be server_unreachable.
    const result = await runCli([
      'call',
      's3-buckets',
      '/api/x',
      '-X',
      'POST',
      '-d',
      '{bad',
      '--url',
      'http://127.0.0.1:9',
    ]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^error \[invalid_json\]: The request body is not valid JSON \(nothing was sent\)/m,
    );
  });

  it('says which file is missing for --file and -d @file, not a raw ENOENT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skybridge-cli-files-'));
    try {
      const [connector, body] = await Promise.all([
        runCli(['connector', 'set', 'main', '--file', 'nope.json', '--url', 'http://127.0.0.1:9'], {
          cwd: dir,
        }),
        runCli(['call', 'x', '/api/y', '-d', '@body.json', '--url', 'http://127.0.0.1:9'], { cwd: dir }),
      ]);
      assert.equal(connector.code, 1);
      assert.equal(
        connector.stderr.trim(),
        `error [file_not_found]: The connector configuration file ${join(dir, 'nope.json')} does not exist.`,
      );
      assert.equal(body.code, 1);
      assert.equal(
        body.stderr.trim(),
        `error [file_not_found]: The request body file ${join(dir, 'body.json')} does not exist.`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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
    assert.equal(
      result.stderr.trim(),
      'error [connector_not_found]: No connector named "nope". Create it with: npx skybridge connector set nope --file connector.json',
    );
    const json = await client(['connector', 'get', 'nope', '--json']);
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'connector_not_found');
  });

  it("calls an integration's route; a tenant with no install gives the API's message and exit 1", async () => {
    const registered = await client([
      'integration',
      'set',
      's3-buckets',
      '--connector',
      'awsConnector=main',
      '--redirect-url',
      'https://app.example/done',
      '--redirect-url',
      'https://app.example/other',
    ]);
    assert.equal(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /^Integration "s3-buckets" saved\.$/m);
    const result = await client(['call', 's3-buckets', '/api/tenant/nobody/buckets']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^error \[install_not_found\]: Tenant "nobody" has no install of integration "s3-buckets"/m,
    );
  });

  it('integration get shows what integration set saved; an unknown connector says how to create it', async () => {
    const got = await client(['integration', 'get', 's3-buckets', '--json']);
    assert.equal(got.code, 0, got.stderr);
    const shown = JSON.parse(got.stdout) as { connectors: unknown; redirectUrls: unknown };
    assert.deepEqual(shown.connectors, { awsConnector: 'main' });
    assert.deepEqual(shown.redirectUrls, ['https://app.example/done', 'https://app.example/other']);
    const missing = await client([
      'integration',
      'set',
      's3-objects',
      '--connector',
      'awsConnector=ghost',
      '--redirect-url',
      'https://app.example/done',
    ]);
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr.trim(),
      'error [connector_not_found]: connectors.awsConnector: no connector named "ghost". Create it first with: npx skybridge connector set ghost --file connector.json',
    );
    const unknown = await client(['integration', 'get', 'nosuch']);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^error \[integration_not_found\]: No integration named "nosuch" is registered/m,
    );
  });

  it('install list of an unknown integration says so and exits 1', async () => {
    const result = await client(['install', 'list', 'nosuch']);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr.trim(),
      'error [integration_not_found]: No integration named "nosuch" is registered on the server. Register it with: ' +
        'npx skybridge integration set nosuch --connector awsConnector=<connector> --redirect-url <url>',
    );
  });

  it('with no admin key anywhere, says where it looked and how to fix it', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'skybridge-cli-nokey-'));
    try {
      const result = await runCli(['connector', 'get', 'main', '--url', url], { cwd });
      assert.equal(result.code, 1);
      const message = result.stderr.trim();
      assert.match(
        message,
        /^error \[unauthorized\]: No admin key found: --api-key was not given, SKYBRIDGE_ADMIN_KEY is not set/,
      );
      assert.ok(message.includes(`and ${join(cwd, '.skybridge', 'admin.key')} does not exist.`), message);
      assert.match(message, /set SKYBRIDGE_DATA_DIR to the server's data directory/);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
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
    assert.match(
      result.stderr,
      /^error \[invalid_api_key\]: The server at http:\S+ refused the admin key taken from the --api-key option/m,
    );
    const json = await runCli(['connector', 'get', 'main', '--json'], {
      env: { SKYBRIDGE_PUBLIC_URL: url, SKYBRIDGE_ADMIN_KEY: 'not-the-admin-key' },
    });
    assert.equal(json.code, 1);
    assert.equal(json.stderr, '');
    const refused = JSON.parse(json.stdout) as { error: { code: string; message: string } };
    assert.equal(refused.error.code, 'invalid_api_key');
    assert.match(refused.error.message, /taken from the SKYBRIDGE_ADMIN_KEY variable/);
  });
});

describe('skybridge start: keys at first start', () => {
  it('prints the generated admin key once with its file, and where master.key is to back up', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'skybridge-cli-first-'));
    const start = () =>
      spawnCli(
        ['start', '--port', '0', '--data-dir', dataDir, '--integrations', join(repoRoot, 'integrations')],
        {
          env: { LOG_LEVEL: 'warn' },
        },
      );
    try {
      const first = start();
      await first.waitForLine((l) => l === 'Press Ctrl-C to stop.');
      const keyFile = join(dataDir, 'admin.key');
      const key = (await readFile(keyFile, 'utf8')).trim();
      assert.equal(
        await first.waitForLine((l) => l.startsWith('Admin key')),
        `Admin key, generated now (shown only this once; saved in ${keyFile}, mode 0600):`,
      );
      assert.equal(await first.waitForLine((l) => l.startsWith('  sbk_')), `  ${key}`);
      assert.equal(
        await first.waitForLine((l) => l.startsWith('Master key')),
        `Master key, generated now: ${join(dataDir, 'master.key')} (mode 0600). BACK IT UP with the database: without it the stored secrets cannot be read.`,
      );
      assert.match(
        await first.waitForLine((l) => l.includes('connector set')),
        /^ {2}SKYBRIDGE_DATA_DIR=\S+ npx skybridge connector set <connector> --file connector\.json --url http:\/\/127\.0\.0\.1:\d+$/,
      );
      const firstEnd = await first.stop('SIGINT');
      assert.deepEqual(
        firstEnd,
        { code: 0, signal: null },
        `first start ended ${JSON.stringify(firstEnd)}; stderr: ${first.stderr()}`,
      );

      const second = start();
      await second.waitForLine((l) => l === 'Press Ctrl-C to stop.');
      assert.equal(
        await second.waitForLine((l) => l.startsWith('Admin key')),
        `Admin key: in ${keyFile} (client commands read it from there)`,
      );
      await assert.rejects(
        second.waitForLine((l) => l.includes(key), 200),
        'the key is not shown again',
      );
      assert.equal(
        await second.waitForLine((l) => l.startsWith('Master key')),
        `Master key: ${join(dataDir, 'master.key')} (keep a backup of it)`,
      );
      assert.equal((await second.stop('SIGINT')).code, 0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reports a bad environment variable first, before loading integrations', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'skybridge-cli-env-'));
    try {
      const result = await runCli(
        ['start', '--port', '0', '--data-dir', dataDir, '--integrations', join(repoRoot, 'integrations')],
        { env: { SKYBRIDGE_PUBLIC_URL: 'not a url', LOG_LEVEL: 'info' } },
      );
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr.trim(),
        'error [invalid_config]: SKYBRIDGE_PUBLIC_URL: must be an absolute http(s) URL',
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a bad SKYBRIDGE_MASTER_KEY is reported first too, and nothing is written', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'skybridge-cli-mk-')), 'data');
    try {
      const result = await runCli(
        ['start', '--port', '0', '--data-dir', dataDir, '--integrations', join(repoRoot, 'integrations')],
        { env: { SKYBRIDGE_MASTER_KEY: 'short', LOG_LEVEL: 'info' } },
      );
      assert.equal(result.code, 1);
      assert.match(
        result.stderr.trim(),
        /^error \[invalid_master_key\]: SKYBRIDGE_MASTER_KEY must be 32 bytes[^\n]*$/,
      );
      assert.equal(existsSync(dataDir), false);
    } finally {
      await rm(dirname(dataDir), { recursive: true, force: true });
    }
  });

  it('with DATABASE_URL on an empty database and no SKYBRIDGE_ADMIN_KEY, refuses to start (no key is lost)', async () => {
    const adminUrl = process.env.SKYBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `skybridge_clitest_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const databaseUrl = new URL(adminUrl);
    databaseUrl.pathname = `/${name}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'skybridge-cli-pg-'));
    try {
      const result = await runCli(
        ['start', '--port', '0', '--data-dir', dataDir, '--integrations', join(dataDir, 'none')],
        {
          env: {
            DATABASE_URL: databaseUrl.toString(),
            SKYBRIDGE_MASTER_KEY: randomBytes(32).toString('base64'),
            LOG_LEVEL: 'silent',
          },
        },
      );
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^error \[admin_key_required\]: SKYBRIDGE_ADMIN_KEY is required for the first start with DATABASE_URL/m,
      );
      const keys = new pg.Client({ connectionString: databaseUrl.toString() });
      await keys.connect();
      try {
        const stored = await keys.query('SELECT count(*)::int AS n FROM api_keys');
        assert.equal(stored.rows[0].n, 0, 'no admin key was generated and lost');
      } finally {
        await keys.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** A port something else listens on (close `busy` when done). */
async function busyPort(): Promise<{ busy: Server; port: number }> {
  const busy: Server = createServer();
  await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
  return { busy, port: (busy.address() as { port: number }).port };
}
