/**
 * The public contract's shapes in one place (/work/shared/design/contract.md §2 HTTP API, §3 install
 * pages, §6 sandbox administration): for each table row, the path, the method, the status and the
 * names and types of the answer's fields, against a REAL server and a REAL sandbox over HTTP.
 * Behaviour behind the rows (races, expiry, secrets, security) is pinned by the other test/api-*.test.ts.
 *
 * The contract allows additions ("add to them freely"), so answers are checked to HAVE the contract's
 * fields with the contract's types; extra fields are not refused.
 */
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { totpCode, totpStep } from '../src/aws/totp.js';
import { createIntegrationRoutes, Integration } from '../src/runtime/index.js';
import { type RunningSandbox, startSandbox } from '../src/sandbox/index.js';
import { integrationHostOf } from '../src/server/integrationHost.js';
import { type ApiAnswer, type Json, setupWorld, type World } from './support/journey.js';

/** The contract's session statuses (§2, below the table). */
const SESSION_STATUSES = [
  'pending',
  'awaiting_stack',
  'verifying',
  'completed',
  'failed',
  'cancelled',
  'expired',
];
/** ISO 8601 in UTC, as `Date.prototype.toISOString` writes it (fractional seconds optional). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const ACCOUNT_ID = /^\d{12}$/;
/** The redacted form of a secret: "••••" then at most its last four characters. */
const REDACTED = /^••••(.{0,4})$/u;
/** The contract's example redirect URL, registered on the integration alongside the world's. */
const CONTRACT_REDIRECT = 'https://app.example/done';

type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'time' | RegExp;

function typeOk(value: unknown, type: FieldType): boolean {
  if (type instanceof RegExp) return typeof value === 'string' && type.test(value);
  if (type === 'time')
    return typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value));
  if (type === 'array') return Array.isArray(value);
  if (type === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (type === 'string') return typeof value === 'string' && value.length > 0;
  return typeof value === type;
}

/**
 * Asserts `value` is an object with every `required` field of the given type, and every `optional`
 * field it has of the given type. Returns the value for chaining.
 */
function assertFields(
  where: string,
  value: Json,
  required: Record<string, FieldType>,
  optional: Record<string, FieldType> = {},
): Json {
  assert.ok(typeOk(value, 'object'), `${where}: not a JSON object: ${JSON.stringify(value)}`);
  for (const [name, type] of Object.entries(required)) {
    assert.ok(name in value, `${where}: field "${name}" missing from ${JSON.stringify(value)}`);
    assert.ok(
      typeOk(value[name], type),
      `${where}: "${name}" is not ${type}: ${JSON.stringify(value[name])}`,
    );
  }
  for (const [name, type] of Object.entries(optional)) {
    if (value[name] === undefined) continue;
    assert.ok(
      typeOk(value[name], type),
      `${where}: "${name}" is not ${type}: ${JSON.stringify(value[name])}`,
    );
  }
  return value;
}

function assertJson(where: string, answer: { headers: Headers }): void {
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, `${where}: content-type`);
}

/** The contract's error answer: `{"error":{"code","message","field"?}}` with a 4xx/5xx status. */
function assertError(where: string, answer: ApiAnswer, status: number, code?: string, field?: string): void {
  assert.equal(answer.status, status, `${where}: ${answer.text}`);
  assert.ok(answer.status >= 400 && answer.status <= 599, `${where}: ${answer.status} is not 4xx/5xx`);
  assertJson(where, answer);
  assertFields(where, answer.body, { error: 'object' });
  assertFields(
    `${where} error`,
    answer.body.error,
    { code: /^[a-z][a-z0-9_]*$/, message: 'string' },
    { field: 'string' },
  );
  if (code !== undefined) assert.equal(answer.body.error.code, code, where);
  if (field !== undefined) assert.equal(answer.body.error.field, field, where);
}

/** GET /v1/sessions/{id} and the session answers of start/verify/cancel (§2). */
function assertSession(where: string, body: Json): Json {
  assertFields(
    where,
    body,
    { id: 'string', integration: 'string', tenantId: 'string', status: 'string' },
    {
      accountId: ACCOUNT_ID,
      region: 'string',
      templateUrl: /^https?:\/\//,
      consoleUrl: /^https?:\/\//,
      installId: 'string',
      error: 'object',
    },
  );
  assert.ok(SESSION_STATUSES.includes(body.status), `${where}: status ${body.status}`);
  if (body.error !== undefined)
    assertFields(`${where} error`, body.error, { code: 'string', message: 'string' });
  return body;
}

/** GET /v1/installs/{id} and each item of the installs list (§2). */
function assertInstall(where: string, body: Json): Json {
  assertFields(where, body, {
    id: 'string',
    integration: 'string',
    tenantId: 'string',
    status: 'string',
    createdAt: 'time',
    identities: 'array',
  });
  assert.ok(body.identities.length > 0, `${where}: no identities`);
  for (const [i, identity] of body.identities.entries()) {
    assertFields(`${where} identities[${i}]`, identity, {
      connector: 'string',
      accountId: ACCOUNT_ID,
      roleArn: /^arn:aws[\w-]*:iam::\d{12}:role\/.+$/,
      region: /^[a-z]{2}(-[a-z]+)+-\d$/,
      externalId: 'string',
    });
  }
  return body;
}

/** "••••" plus at most the last four characters of `secret`. */
function assertRedacted(where: string, shown: unknown, secret: string): void {
  assert.equal(typeof shown, 'string', where);
  const match = REDACTED.exec(shown as string);
  assert.ok(match, `${where}: ${JSON.stringify(shown)} is not "••••" and at most four characters`);
  assert.ok(secret.endsWith(match[1]!), `${where}: the visible part is not the end of the secret`);
  assert.notEqual(shown, secret);
}

function decodeHtml(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** The hidden anti-forgery field of a page's form: [name, value]. */
function antiForgeryField(page: string): [string, string] {
  const match = /<input type="hidden" name="([^"]+)" value="([^"]+)">/.exec(page);
  assert.ok(match, 'the page carries a hidden anti-forgery field');
  return [match[1]!, match[2]!];
}

// An integration with routes of its own, for the `ANY /v1/integrations/{integration}/api/...` row.
const integration = new Integration();
for (const method of ['get', 'post', 'delete'] as const) {
  integration.router[method]('/api/contract/:word', async (ctx) => {
    ctx.body = { method: ctx.method, word: ctx.params.word, body: ctx.request.body ?? null };
  });
}

describe('contract §2 HTTP API and §3 install pages', () => {
  let world: World;
  /** Every JSON answer of the run, for the rows that hold for all answers (times, errors). */
  const seen: { where: string; answer: ApiAnswer }[] = [];

  const call = async (method: string, path: string, body?: unknown, options?: { key?: string | null }) => {
    const answer = await world.api(method, path, body, options);
    seen.push({ where: `${method} ${path}`, answer });
    return answer;
  };
  const page = (path: string, init: RequestInit = {}) =>
    fetch(`${world.url}${path}`, { redirect: 'manual', ...init });
  const postForm = (path: string, form: Record<string, string>) =>
    page(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
  const newSession = async (tenantId: string) => {
    const created = await call('POST', '/v1/integrations/demo/sessions', {
      tenantId,
      redirectUrl: CONTRACT_REDIRECT,
    });
    assert.equal(created.status, 201, created.text);
    return created.body.id as string;
  };

  // The session and install the rows below follow through: created, started through the pages, the
  // stack created in the sandbox console, verified, completed, then the install read and deleted.
  let sessionId = '';
  let installId = '';
  const tenantId = 'contract-co';

  before(async () => {
    world = await setupWorld({
      integrationRoutes: createIntegrationRoutes({
        integrations: new Map([['demo', integration]]),
        host: integrationHostOf,
      }),
    });
  });
  after(async () => {
    await world?.close();
  });

  it('GET /healthz: 200 {"status":"ok"} without auth', async () => {
    const answer = await call('GET', '/healthz', undefined, { key: null });
    assert.equal(answer.status, 200);
    assertJson('healthz', answer);
    assert.deepEqual(answer.body, { status: 'ok' });
  });

  // First of the connector rows: a PUT resets the connector's base session (MFA), so it comes before any use.
  it('PUT /v1/connectors/{connector}: 200 the redacted configuration', async () => {
    const config: Record<string, Json> = {
      ...world.connectorConfig,
      roleName: 'skybridge-connector-role',
      stackName: 'skybridge-connector',
      tenantPolicy: {
        actions: [
          's3:ListAllMyBuckets',
          's3:GetBucketLocation',
          's3:ListBucket',
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
        ],
        resources: ['*'],
      },
      iam: {
        ...world.connectorConfig.iam,
        region: 'us-east-1',
        baseSessionSeconds: 43200,
        tenantSessionSeconds: 3600,
      },
      verify: { ...world.connectorConfig.verify, requireExternalIdEnforced: true },
    };
    const answer = await call('PUT', '/v1/connectors/aws', config);
    assert.equal(answer.status, 200, answer.text);
    assertJson('PUT connector', answer);
    const body = assertFields('PUT connector', answer.body, {
      type: /^aws$/,
      roleName: 'string',
      stackName: 'string',
      bucketName: 'string',
      bucketPrefix: 'string',
      defaultRegion: 'string',
      tenantPolicy: 'object',
      iam: 'object',
      verify: 'object',
      endpoints: 'object',
    });
    for (const name of ['roleName', 'stackName', 'bucketName', 'bucketPrefix', 'defaultRegion'] as const)
      assert.equal(body[name], config[name], name);
    assert.deepEqual(body.tenantPolicy, config.tenantPolicy);
    assertFields('PUT connector iam', body.iam, {
      accessKeyId: 'string',
      secretAccessKey: 'string',
      otpSecret: 'string',
      mfaSerial: 'string',
      region: 'string',
      baseSessionSeconds: 'number',
      tenantSessionSeconds: 'number',
    });
    assert.equal(body.iam.accessKeyId, world.base.accessKeyId);
    assert.equal(body.iam.mfaSerial, world.base.mfaSerial);
    assertRedacted('iam.secretAccessKey', body.iam.secretAccessKey, world.base.secretAccessKey);
    assertRedacted('iam.otpSecret', body.iam.otpSecret, world.base.otpSecret!);
    assert.deepEqual(
      { ...body.iam, secretAccessKey: '', otpSecret: '' },
      { ...config.iam, secretAccessKey: '', otpSecret: '' },
    );
    assertFields('PUT connector verify', body.verify, {
      requireExternalIdEnforced: 'boolean',
      propagationTimeoutSeconds: 'number',
    });
    assertFields('PUT connector endpoints', body.endpoints, {
      sts: 'string',
      s3: 'string',
      forcePathStyle: 'boolean',
      console: 'string',
    });
    assert.deepEqual(body.endpoints, config.endpoints);
  });

  it('PUT /v1/connectors/{connector}: 400 naming the field', async () => {
    const cases: [Record<string, Json>, string][] = [
      [
        { ...world.connectorConfig, verify: { propagationTimeoutSeconds: 'soon' } },
        'verify.propagationTimeoutSeconds',
      ],
      [
        { ...world.connectorConfig, iam: { ...world.connectorConfig.iam, accessKeyId: 'lower-case' } },
        'iam.accessKeyId',
      ],
      [{ ...world.connectorConfig, type: 'gcp' }, 'type'],
    ];
    for (const [config, field] of cases) {
      const answer = await call('PUT', '/v1/connectors/contract-bad', config);
      assertError(`PUT connector (${field})`, answer, 400, undefined, field);
      assert.equal(answer.text.includes(world.base.secretAccessKey), false, 'the error holds no secret');
    }
    assertError(
      'nothing stored',
      await call('GET', '/v1/connectors/contract-bad'),
      404,
      'connector_not_found',
    );
  });

  it('GET /v1/connectors/{connector}: 200 the redacted configuration', async () => {
    const answer = await call('GET', '/v1/connectors/aws');
    assert.equal(answer.status, 200, answer.text);
    assertJson('GET connector', answer);
    assertRedacted('iam.secretAccessKey', answer.body.iam.secretAccessKey, world.base.secretAccessKey);
    assertRedacted('iam.otpSecret', answer.body.iam.otpSecret, world.base.otpSecret!);
    const put = seen.find((s) => s.where === 'PUT /v1/connectors/aws' && s.answer.status === 200)!;
    assert.deepEqual(answer.body, put.answer.body, 'the same redacted configuration the PUT answered');
  });

  it('POST /v1/connectors/{connector}/check: 200 {"accountId","arn","mfa":"ok"|"not-configured"}', async () => {
    const { otpSecret: _otp, mfaSerial: _serial, ...iam } = world.connectorConfig.iam;
    const put = await call('PUT', '/v1/connectors/contract-nomfa', { ...world.connectorConfig, iam });
    assert.equal(put.status, 200, put.text);
    for (const [name, mfa] of [
      ['aws', 'ok'],
      ['contract-nomfa', 'not-configured'],
    ] as const) {
      const answer = await call('POST', `/v1/connectors/${name}/check`);
      assert.equal(answer.status, 200, answer.text);
      assertJson('check', answer);
      assertFields(`check ${name}`, answer.body, { accountId: ACCOUNT_ID, arn: /^arn:aws:/, mfa: 'string' });
      assert.equal(answer.body.accountId, world.base.accountId);
      assert.equal(answer.body.mfa, mfa);
    }
  });

  it('GET /v1/connectors/{connector}/iam-policy: 200 the IAM policy document for the connector user', async () => {
    const answer = await call('GET', '/v1/connectors/aws/iam-policy');
    assert.equal(answer.status, 200, answer.text);
    assertJson('iam-policy', answer);
    assertFields('iam-policy', answer.body, { Version: /^2012-10-17$/, Statement: 'array' });
    const actions: string[] = [];
    for (const [i, statement] of answer.body.Statement.entries()) {
      assertFields(`Statement[${i}]`, statement, { Effect: /^(Allow|Deny)$/ });
      assert.ok(
        typeof statement.Action === 'string' || Array.isArray(statement.Action),
        `Statement[${i}].Action`,
      );
      assert.ok(
        typeof statement.Resource === 'string' || Array.isArray(statement.Resource),
        `Statement[${i}].Resource`,
      );
      actions.push(...[statement.Action].flat());
    }
    assert.ok(actions.includes('sts:AssumeRole'), `the user may assume tenant roles: ${actions}`);
    assert.equal(actions.includes('*'), false, 'least privilege: no wildcard action');
  });

  it('PUT /v1/integrations/{integration}: 200', async () => {
    const answer = await call('PUT', '/v1/integrations/demo', {
      connectors: { awsConnector: 'aws' },
      redirectUrls: [CONTRACT_REDIRECT, world.redirectUrl],
    });
    assert.equal(answer.status, 200, answer.text);
    assertJson('PUT integration', answer);
  });

  it('GET /v1/integrations/{integration}: 200', async () => {
    const answer = await call('GET', '/v1/integrations/demo');
    assert.equal(answer.status, 200, answer.text);
    assertJson('GET integration', answer);
    assert.deepEqual(answer.body.connectors, { awsConnector: 'aws' });
    assert.deepEqual(answer.body.redirectUrls, [CONTRACT_REDIRECT, world.redirectUrl]);
  });

  it('POST /v1/integrations/{integration}/sessions: 201 {"id","url","status","expiresAt"}', async () => {
    const answer = await call('POST', '/v1/integrations/demo/sessions', {
      tenantId,
      redirectUrl: CONTRACT_REDIRECT,
    });
    assert.equal(answer.status, 201, answer.text);
    assertJson('create session', answer);
    assertFields('create session', answer.body, {
      id: 'string',
      url: /^https?:\/\//,
      status: 'string',
      expiresAt: 'time',
    });
    sessionId = answer.body.id;
    assert.equal(answer.body.status, 'pending');
    assert.equal(new URL(answer.body.url).pathname, `/connect/${encodeURIComponent(sessionId)}`);
    const ttl = Date.parse(answer.body.expiresAt) - Date.now();
    assert.ok(ttl > 0 && ttl <= 3_600_000, `expires within the default hour (${ttl} ms)`);
  });

  it('GET /v1/sessions/{id}: 200 {"id","integration","tenantId","status",...} (pending)', async () => {
    const answer = await call('GET', `/v1/sessions/${sessionId}`);
    assert.equal(answer.status, 200, answer.text);
    assertJson('GET session', answer);
    assertSession('pending session', answer.body);
    assert.equal(answer.body.id, sessionId);
    assert.equal(answer.body.integration, 'demo');
    assert.equal(answer.body.tenantId, tenantId);
    assert.equal(answer.body.status, 'pending');
    for (const field of ['accountId', 'region', 'templateUrl', 'consoleUrl', 'installId', 'error'])
      assert.equal(answer.body[field], undefined, `a pending session has no ${field}`);
  });

  it('GET /connect/{sessionId}: asks for the AWS account id (12 digits) and region, no API key', async () => {
    const url = (await call('GET', `/v1/sessions/${sessionId}`)).body.url as string;
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<form method="post"/);
    assert.match(html, /<input [^>]*name="accountId"[^>]*pattern="\\d\{12\}"/);
    assert.match(html, /<select [^>]*name="region"/);
    assert.match(html, /<option[^>]*>us-east-1</);
    antiForgeryField(html);
  });

  it('POST /connect/{sessionId}: publishes the template and shows the launch button, template, steps and live status', async () => {
    const form = await (await page(`/connect/${sessionId}`)).text();
    const [csrfName, csrfValue] = antiForgeryField(form);
    const posted = await postForm(`/connect/${sessionId}`, {
      accountId: world.tenant.accountId,
      region: 'us-east-1',
      [csrfName]: csrfValue,
    });
    assert.ok([200, 303].includes(posted.status), `POST answered ${posted.status}`);
    const launch =
      posted.status === 303
        ? await (await page(new URL(posted.headers.get('location')!, world.url).pathname)).text()
        : await posted.text();

    const session = assertSession('started session', (await call('GET', `/v1/sessions/${sessionId}`)).body);
    assert.equal(session.status, 'awaiting_stack');
    assert.equal(session.accountId, world.tenant.accountId);
    assert.equal(session.region, 'us-east-1');
    const published = await fetch(session.templateUrl);
    assert.equal(published.status, 200, 'the template is published');
    const template = await published.text();

    const href = /<a [^>]*href="([^"]+)"[^>]*>[^<]*Open the AWS console/.exec(launch)?.[1];
    assert.ok(href, 'the launch button');
    assert.equal(decodeHtml(href), session.consoleUrl, 'the launch button opens consoleUrl');
    const shown = /<pre><code>([\s\S]*?)<\/code><\/pre>/.exec(launch)?.[1];
    assert.ok(shown !== undefined, 'the template is shown');
    assert.equal(decodeHtml(shown), template, 'the page shows the published template');
    assert.match(launch, /I acknowledge that AWS CloudFormation might create IAM resources/, 'the IAM step');
    assert.match(launch, /role="status"[^>]*aria-live="polite"/, 'a live status region');
    assert.ok(launch.includes(`data-status-url="/connect/${sessionId}/status"`), 'polling the status route');
  });

  it('GET /connect/{sessionId}/status: JSON status for the page polling', async () => {
    const response = await page(`/connect/${sessionId}/status`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const body: Json = await response.json();
    assertFields('status', body, { status: 'string' });
    assert.equal(body.status, 'awaiting_stack');
    const missing = await page('/connect/no-such-session/status');
    assert.equal(missing.status, 404);
    assertFields('unknown session status', await missing.json(), { error: 'object' });
  });

  it('GET /_sandbox/console/cloudformation?templateURL=...&stackName=...&region=...: the quick-create page', async () => {
    const session = (await call('GET', `/v1/sessions/${sessionId}`)).body;
    const consoleUrl = new URL(session.consoleUrl);
    assert.equal(
      `${consoleUrl.origin}${consoleUrl.pathname}`,
      `${world.sandbox.url}/_sandbox/console/cloudformation`,
    );
    assert.equal(consoleUrl.searchParams.get('templateURL'), session.templateUrl);
    assert.equal(consoleUrl.searchParams.get('stackName'), 'skybridge-connector');
    assert.equal(consoleUrl.searchParams.get('region'), 'us-east-1');

    const response = await fetch(consoleUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<form method="post" action="\/_sandbox\/console\/cloudformation\/stacks">/);
    assert.match(html, new RegExp(`<option value="${world.tenant.accountId}"`), 'pick the tenant account');
    assert.match(html, /<input type="checkbox" [^>]*name="acknowledgeIam"/, 'the IAM acknowledgement');
    assert.match(html, /name="stackName" value="skybridge-connector"/);
    assert.match(html, /name="region" value="us-east-1"/);
    assert.match(html, /<button type="submit"[^>]*>Create stack</);
  });

  it('POST /_sandbox/console/cloudformation/stacks: form accountId, templateURL, stackName, region, acknowledgeIam creates the stack', async () => {
    const session = (await call('GET', `/v1/sessions/${sessionId}`)).body;
    // As the page's form posts it (an HTML answer, as a browser gets).
    const response = await fetch(`${world.sandbox.url}/_sandbox/console/cloudformation/stacks`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        accountId: world.tenant.accountId,
        templateURL: session.templateUrl,
        stackName: 'skybridge-connector',
        region: 'us-east-1',
        acknowledgeIam: 'true',
      }),
    });
    assert.ok(response.status >= 200 && response.status < 400, `answered ${response.status}`);
    await response.arrayBuffer();
    const iam = new IAMClient({
      region: 'us-east-1',
      endpoint: world.sandbox.url,
      credentials: { accessKeyId: world.tenant.accessKeyId, secretAccessKey: world.tenant.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      const role = await iam.send(new GetRoleCommand({ RoleName: 'skybridge-connector-role' }));
      assert.equal(role.Role?.Arn, `arn:aws:iam::${world.tenant.accountId}:role/skybridge-connector-role`);
    } finally {
      iam.destroy();
    }
  });

  it('POST /v1/sessions/{id}/verify: 200 the session at once, verifying, completing in the background', async () => {
    const answer = await call('POST', `/v1/sessions/${sessionId}/verify`);
    assert.equal(answer.status, 200, answer.text);
    assertJson('verify', answer);
    assertSession('verify', answer.body);
    assert.equal(answer.body.status, 'verifying');
    const ended = assertSession('completed session', await world.waitForSession(sessionId));
    assert.equal(ended.status, 'completed', JSON.stringify(ended));
    assertFields('completed session', ended, { installId: 'string' });
    installId = ended.installId;
  });

  it('session end: the browser goes to {redirectUrl}?session={id}&tenantId=...&installId=...', async () => {
    const expected = `${CONTRACT_REDIRECT}?session=${encodeURIComponent(sessionId)}&tenantId=${tenantId}&installId=${encodeURIComponent(installId)}`;
    const response = await page(`/connect/${sessionId}`);
    assert.ok([302, 303].includes(response.status), `answered ${response.status}`);
    assert.equal(response.headers.get('location'), expected);
    const status: Json = await (await page(`/connect/${sessionId}/status`)).json();
    assert.equal(status.status, 'completed');
    assert.equal(status.redirectTo, expected, 'the polling page is sent to the same place');
  });

  it('POST /v1/sessions/{id}/start: 200 the session with templateUrl and consoleUrl (headless)', async () => {
    const id = await newSession('contract-headless');
    const answer = await call('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
      region: 'eu-west-1',
    });
    assert.equal(answer.status, 200, answer.text);
    assertJson('start', answer);
    assertSession('start', answer.body);
    assertFields('start', answer.body, { templateUrl: /^https?:\/\//, consoleUrl: /^https?:\/\// });
    assert.equal(answer.body.status, 'awaiting_stack');
    assert.equal(answer.body.accountId, world.tenant.accountId);
    assert.equal(answer.body.region, 'eu-west-1');
    assert.equal(new URL(answer.body.consoleUrl).searchParams.get('region'), 'eu-west-1');
  });

  it('POST /v1/sessions/{id}/cancel: 200 the session, status cancelled', async () => {
    const id = await newSession('contract-cancel');
    const answer = await call('POST', `/v1/sessions/${id}/cancel`);
    assert.equal(answer.status, 200, answer.text);
    assertJson('cancel', answer);
    assertSession('cancel', answer.body);
    assert.equal(answer.body.status, 'cancelled');
    assert.equal(answer.body.installId, undefined);
    assertError('verify after cancel', await call('POST', `/v1/sessions/${id}/verify`), 409);
  });

  it('POST /connect/{sessionId}/cancel: the browser goes to {redirectUrl}?session={id}&tenantId=...&error=<code>', async () => {
    const id = await newSession('contract-leaves');
    const [csrfName, csrfValue] = antiForgeryField(await (await page(`/connect/${id}`)).text());
    const response = await postForm(`/connect/${id}/cancel`, { [csrfName]: csrfValue });
    assert.ok([302, 303].includes(response.status), `answered ${response.status}`);
    assert.equal(
      response.headers.get('location'),
      `${CONTRACT_REDIRECT}?session=${encodeURIComponent(id)}&tenantId=contract-leaves&error=session_cancelled`,
    );
    assert.equal((await call('GET', `/v1/sessions/${id}`)).body.status, 'cancelled');
  });

  it('only redirect URLs registered on the integration are accepted', async () => {
    for (const redirectUrl of [
      `${CONTRACT_REDIRECT}/more`,
      `${CONTRACT_REDIRECT}?next=https://evil.example`,
      CONTRACT_REDIRECT.replace('https:', 'http:'),
      CONTRACT_REDIRECT.replace('app.example', 'app.example.evil.example'),
      CONTRACT_REDIRECT.slice(0, -1),
    ]) {
      const answer = await call('POST', '/v1/integrations/demo/sessions', {
        tenantId: 'contract-evil',
        redirectUrl,
      });
      assertError(`redirect ${redirectUrl}`, answer, 400, 'redirect_url_not_registered', 'redirectUrl');
    }
  });

  it('GET /v1/integrations/{integration}/installs?tenantId=: 200 {"items":[install...]}', async () => {
    const answer = await call('GET', `/v1/integrations/demo/installs?tenantId=${tenantId}`);
    assert.equal(answer.status, 200, answer.text);
    assertJson('installs', answer);
    assertFields('installs', answer.body, { items: 'array' });
    assert.equal(answer.body.items.length, 1);
    assertInstall('installs items[0]', answer.body.items[0]);
    assert.equal(answer.body.items[0].id, installId);
    const none = await call('GET', '/v1/integrations/demo/installs?tenantId=nobody-here');
    assert.equal(none.status, 200);
    assert.deepEqual(none.body.items, []);
  });

  it('GET /v1/installs/{id}: 200 {"id","integration","tenantId","status","createdAt","identities":[{"connector","accountId","roleArn","region","externalId"}]}', async () => {
    const answer = await call('GET', `/v1/installs/${installId}`);
    assert.equal(answer.status, 200, answer.text);
    assertJson('install', answer);
    const install = assertInstall('install', answer.body);
    assert.equal(install.id, installId);
    assert.equal(install.integration, 'demo');
    assert.equal(install.tenantId, tenantId);
    const [identity] = install.identities;
    assert.equal(identity.connector, 'awsConnector', 'the alias integration code names');
    assert.equal(identity.accountId, world.tenant.accountId);
    assert.equal(identity.roleArn, `arn:aws:iam::${world.tenant.accountId}:role/skybridge-connector-role`);
    assert.equal(identity.region, 'us-east-1');
  });

  it('GET /v1/installs/{id}/health: 200 {"healthy":true|false,"checkedAt","error"?}', async () => {
    const answer = await call('GET', `/v1/installs/${installId}/health`);
    assert.equal(answer.status, 200, answer.text);
    assertJson('health', answer);
    assertFields('health', answer.body, { healthy: 'boolean', checkedAt: 'time' }, { error: 'object' });
    assert.equal(answer.body.healthy, true, answer.text);
    assert.equal(answer.body.error, undefined);
  });

  it('POST /v1/integrations/{integration}/tenants/{tenantId}/credentials?connector=awsConnector: 200 {"accessKeyId","secretAccessKey","sessionToken","expiration","region"}', async () => {
    const answer = await world.api(
      'POST',
      `/v1/integrations/demo/tenants/${tenantId}/credentials?connector=awsConnector`,
    );
    assert.equal(answer.status, 200, answer.text);
    assertJson('credentials', answer);
    assertFields('credentials', answer.body, {
      accessKeyId: 'string',
      secretAccessKey: 'string',
      sessionToken: 'string',
      expiration: 'time',
      region: 'string',
    });
    assert.equal(answer.body.region, 'us-east-1');
    assert.ok(Date.parse(answer.body.expiration) > Date.now());
    // Keys in the tenant's account, as its role.
    const sts = new STSClient({
      region: answer.body.region,
      endpoint: world.sandbox.url,
      maxAttempts: 1,
      credentials: {
        accessKeyId: answer.body.accessKeyId,
        secretAccessKey: answer.body.secretAccessKey,
        sessionToken: answer.body.sessionToken,
      },
    });
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Account, world.tenant.accountId);
      assert.match(identity.Arn ?? '', /:assumed-role\/skybridge-connector-role\//);
    } finally {
      sts.destroy();
    }
    // Kept out of `seen`: it carries the credentials; only its times are checked there.
    seen.push({
      where: 'credentials (times only)',
      answer: { ...answer, body: { expiration: answer.body.expiration } },
    });
  });

  it('ANY /v1/integrations/{integration}/api/...: the integration own routes', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const body = method === 'POST' ? { hello: 'world' } : undefined;
      const answer = await call(method, '/v1/integrations/demo/api/contract/pinned', body);
      assert.equal(answer.status, 200, `${method}: ${answer.text}`);
      assert.deepEqual(answer.body, { method, word: 'pinned', body: body ?? null });
    }
    assertError('no such route', await call('PUT', '/v1/integrations/demo/api/contract/pinned', {}), 405);
  });

  it('DELETE /v1/installs/{id}: 204; credentials for it are no longer issued', async () => {
    const answer = await call('DELETE', `/v1/installs/${installId}`);
    assert.equal(answer.status, 204, answer.text);
    assert.equal(answer.text, '');
    const credentials = await call(
      'POST',
      `/v1/integrations/demo/tenants/${tenantId}/credentials?connector=awsConnector`,
    );
    assertError('credentials after delete', credentials, credentials.status);
    assert.ok(credentials.status >= 400 && credentials.status < 500, credentials.text);
    assert.equal(credentials.text.includes('secretAccessKey'), false);
    const health = await call('GET', `/v1/installs/${installId}/health`);
    assert.equal(health.status, 200, health.text);
    assertFields('health after delete', health.body, {
      healthy: 'boolean',
      checkedAt: 'time',
      error: 'object',
    });
    assert.equal(health.body.healthy, false);
    assertFields('health after delete error', health.body.error, { code: 'string', message: 'string' });
  });

  it('errors are {"error":{"code","message","field"?}} with a 4xx/5xx status, holding no secret', async () => {
    const cancelled = await newSession('contract-errors');
    await call('POST', `/v1/sessions/${cancelled}/cancel`);
    const cases: [string, string, unknown, { key?: string | null }, number, string?, string?][] = [
      ['GET', '/v1/connectors/aws', undefined, { key: null }, 401, 'unauthorized'],
      ['GET', '/v1/connectors/aws', undefined, { key: `${world.adminKey}x` }, 401],
      ['GET', '/v1/connectors/nope', undefined, {}, 404, 'connector_not_found'],
      ['POST', '/v1/connectors/nope/check', undefined, {}, 404, 'connector_not_found'],
      ['GET', '/v1/connectors/nope/iam-policy', undefined, {}, 404, 'connector_not_found'],
      ['GET', '/v1/integrations/nope', undefined, {}, 404, 'integration_not_found'],
      [
        'PUT',
        '/v1/integrations/bad',
        { connectors: { awsConnector: 'aws' }, redirectUrls: [] },
        {},
        400,
        undefined,
        'redirectUrls',
      ],
      ['POST', '/v1/integrations/nope/sessions', { tenantId: 't', redirectUrl: CONTRACT_REDIRECT }, {}, 404],
      [
        'POST',
        '/v1/integrations/demo/sessions',
        { redirectUrl: CONTRACT_REDIRECT },
        {},
        400,
        undefined,
        'tenantId',
      ],
      ['GET', '/v1/sessions/nope', undefined, {}, 404, 'session_not_found'],
      ['POST', `/v1/sessions/${cancelled}/start`, { accountId: world.tenant.accountId }, {}, 409],
      ['POST', `/v1/sessions/${cancelled}/verify`, undefined, {}, 409],
      ['GET', '/v1/installs/nope', undefined, {}, 404, 'install_not_found'],
      ['GET', '/v1/installs/nope/health', undefined, {}, 404, 'install_not_found'],
      ['DELETE', '/v1/installs/nope', undefined, {}, 404, 'install_not_found'],
      ['POST', '/v1/integrations/demo/tenants/nobody/credentials?connector=awsConnector', undefined, {}, 404],
      ['DELETE', '/v1/connectors/aws', undefined, {}, 405],
      ['GET', '/v1/nothing-here', undefined, {}, 404],
    ];
    for (const [method, path, body, options, status, code, field] of cases) {
      assertError(`${method} ${path}`, await call(method, path, body, options), status, code, field);
    }
    // Every error answered during this run, not only the ones provoked above.
    const errors = seen.filter((s) => s.answer.status >= 400);
    assert.ok(errors.length >= cases.length, 'errors were recorded');
    const secrets = [world.adminKey, world.base.secretAccessKey, world.base.otpSecret!, world.masterKey];
    for (const { where, answer } of errors) {
      assertError(where, answer, answer.status);
      for (const secret of secrets)
        assert.equal(answer.text.includes(secret), false, `${where} holds a secret`);
    }
  });

  it('times are ISO 8601 strings in UTC in every answer', () => {
    const checked = new Set<string>();
    const walk = (where: string, value: unknown, key = ''): void => {
      if (Array.isArray(value)) for (const [i, item] of value.entries()) walk(`${where}[${i}]`, item);
      else if (typeof value === 'object' && value !== null)
        for (const [name, inner] of Object.entries(value)) walk(`${where}.${name}`, inner, name);
      else if (/At$/.test(key) || key === 'expiration') {
        assert.ok(typeOk(value, 'time'), `${where} is not an ISO 8601 UTC time: ${JSON.stringify(value)}`);
        checked.add(key);
      }
    };
    for (const { where, answer } of seen) walk(where, answer.body);
    for (const key of ['expiresAt', 'createdAt', 'checkedAt', 'expiration'])
      assert.ok(checked.has(key), `${key} was seen (${[...checked]})`);
  });
});

describe('contract §6 sandbox administration', () => {
  let sandbox: RunningSandbox;

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: Json;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as Json, text, headers: response.headers };
  };

  before(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  after(async () => {
    await sandbox?.close();
  });

  it('loopback only: the admin API is not reachable on another interface', async (t) => {
    assert.equal(new URL(sandbox.url).hostname, '127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (!external) {
      t.skip('this host has no non-loopback IPv4 address');
      return;
    }
    await assert.rejects(
      fetch(`http://${external.address}:${sandbox.port}/_sandbox/accounts`, { method: 'POST' }),
      `nothing answers on ${external.address}`,
    );
  });

  it('POST /_sandbox/accounts: 201 {"accountId"} (12 digits, random if absent)', async () => {
    const random = await admin('POST', '/_sandbox/accounts', {});
    assert.equal(random.status, 201, random.text);
    assertJson('account', random);
    assertFields('account', random.body, { accountId: ACCOUNT_ID });
    const noBody = await admin('POST', '/_sandbox/accounts');
    assert.equal(noBody.status, 201, noBody.text);
    assert.notEqual(noBody.body.accountId, random.body.accountId, 'random');
    const given = await admin('POST', '/_sandbox/accounts', { accountId: '000011112222' });
    assert.equal(given.status, 201, given.text);
    assert.deepEqual(given.body, { accountId: '000011112222' });
  });

  it('POST /_sandbox/accounts/{accountId}/users: 201 {"arn","accessKeyId","secretAccessKey"}', async () => {
    const answer = await admin('POST', '/_sandbox/accounts/000011112222/users', { userName: 'contract-bot' });
    assert.equal(answer.status, 201, answer.text);
    assertJson('user', answer);
    assertFields('user', answer.body, { arn: 'string', accessKeyId: 'string', secretAccessKey: 'string' });
    assert.equal(answer.body.arn, 'arn:aws:iam::000011112222:user/contract-bot');
  });

  it('POST /_sandbox/accounts/{accountId}/users/{userName}/mfa: 201 {"serialNumber","base32Secret"}', async () => {
    const answer = await admin('POST', '/_sandbox/accounts/000011112222/users/contract-bot/mfa');
    assert.equal(answer.status, 201, answer.text);
    assertJson('mfa', answer);
    assertFields('mfa', answer.body, {
      serialNumber: /^arn:aws:iam::000011112222:mfa\/.+$/,
      base32Secret: /^[A-Z2-7]+=*$/,
    });
  });

  it('PUT /_sandbox/settings: 200 settings; clockOffsetMs moves the sandbox clock (TOTP checks, credential expiry)', async () => {
    const settings = { iamPropagationMs: 250, stsLatencyMs: 0, throttleEvery: 0, clockOffsetMs: 600_000 };
    const answer = await admin('PUT', '/_sandbox/settings', settings);
    assert.equal(answer.status, 200, answer.text);
    assertJson('settings', answer);
    assertFields('settings', answer.body, {
      iamPropagationMs: 'number',
      stsLatencyMs: 'number',
      throttleEvery: 'number',
      clockOffsetMs: 'number',
    });
    for (const [name, value] of Object.entries(settings)) assert.equal(answer.body[name], value, name);

    const user = await admin('POST', '/_sandbox/accounts/000011112222/users', { userName: 'clock-bot' });
    const mfa = await admin('POST', '/_sandbox/accounts/000011112222/users/clock-bot/mfa');
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: sandbox.url,
      maxAttempts: 1,
      credentials: { accessKeyId: user.body.accessKeyId, secretAccessKey: user.body.secretAccessKey },
    });
    try {
      const at = (ms: number) => totpCode(mfa.body.base32Secret, totpStep(ms));
      const tokenFor = (ms: number) =>
        sts.send(
          new GetSessionTokenCommand({
            SerialNumber: mfa.body.serialNumber,
            TokenCode: at(ms),
            DurationSeconds: 900,
          }),
        );
      await assert.rejects(
        tokenFor(Date.now()),
        'a code for the real time is ten minutes off the sandbox clock',
      );
      const session = await tokenFor(Date.now() + settings.clockOffsetMs);
      const expiresIn = session.Credentials!.Expiration!.getTime() - Date.now();
      assert.ok(
        Math.abs(expiresIn - (settings.clockOffsetMs + 900_000)) < 10_000,
        `expiry on the sandbox clock (${expiresIn} ms from now)`,
      );
    } finally {
      sts.destroy();
    }
  });

  it('POST /_sandbox/reset: 204', async () => {
    const answer = await admin('POST', '/_sandbox/reset');
    assert.equal(answer.status, 204, answer.text);
    assert.equal(answer.text, '');
    const gone = await admin('POST', '/_sandbox/accounts/000011112222/users', { userName: 'after-reset' });
    assert.equal(gone.status, 404, 'the accounts are gone');
    assertFields('error', gone.body, { error: 'object' });
    assertFields('error', gone.body.error, { code: 'string', message: 'string' });
    const again = await admin('POST', '/_sandbox/accounts', { accountId: '000011112222' });
    assert.equal(again.status, 201, 'the same account id can be created again');
  });
});
