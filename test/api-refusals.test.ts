import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cryptoRandom } from '../src/core/index.js';
import { ConnectorRegistry, InstallFlow } from '../src/server/index.js';
import type { SessionStatus } from '../src/store/index.js';
import { offsetClock, setupWorld, type World } from './support/journey.js';

const ALL: SessionStatus[] = [
  'pending',
  'awaiting_stack',
  'verifying',
  'completed',
  'failed',
  'cancelled',
  'expired',
];

// A role trusting the base account WITHOUT the external-id condition (the id only sits in the description).
const LOOSE_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: 'Loose role for ##EXTERNAL_ID##'
Resources:
  Role:
    Type: 'AWS::IAM::Role'
    Properties:
      RoleName: '##ROLE_NAME##'
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: 'arn:aws:iam::##BASE_ACCOUNT_ID##:root'
            Action: 'sts:AssumeRole'
      Policies:
        - PolicyName: 'read'
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: 's3:ListAllMyBuckets'
                Resource: '*'
`;

describe('management API refusals', () => {
  let world: World;
  const clock = offsetClock();

  before(async () => {
    world = await setupWorld({ clock });
    // Further connectors in the same world: one whose template forgets the external-id condition,
    // one with a 1 s propagation timeout. Distinct role and stack names: they share the tenant account.
    const variants = {
      loose: { roleName: 'skybridge-loose-role', stackName: 'skybridge-loose', template: LOOSE_TEMPLATE },
      quick: {
        roleName: 'skybridge-quick-role',
        stackName: 'skybridge-quick',
        verify: { propagationTimeoutSeconds: 1 },
      },
    };
    for (const [name, fields] of Object.entries(variants)) {
      // Without MFA: a second base session on the same MFA device would wait for the next TOTP step (30 s).
      const { otpSecret: _otp, mfaSerial: _serial, ...iam } = world.connectorConfig.iam;
      const config = { ...world.connectorConfig, ...fields, iam };
      const put = await world.api('PUT', `/v1/connectors/aws-${name}`, config);
      assert.equal(put.status, 200, put.text);
      const integration = await world.api('PUT', `/v1/integrations/${name}`, {
        connectors: { awsConnector: `aws-${name}` },
        redirectUrls: [world.redirectUrl],
      });
      assert.equal(integration.status, 200, integration.text);
    }
  });
  after(async () => {
    await world?.close();
  });

  let offset = 0;
  /** Moves the server's clock and the sandbox's together (the sandbox checks TOTP codes on its own clock). */
  const advance = async (ms: number) => {
    offset += ms;
    clock.advance(ms);
    await world.sandboxAdmin.updateSettings({ clockOffsetMs: offset });
  };
  const sessionCount = async () => (await world.server.store.sessions.listByStatus(ALL)).length;
  const newSession = async (integration = 'demo', tenantId = 'acme') => {
    const created = await world.api('POST', `/v1/integrations/${integration}/sessions`, {
      tenantId,
      redirectUrl: world.redirectUrl,
    });
    assert.equal(created.status, 201, created.text);
    return created.body.id as string;
  };

  it('refuses a missing or wrong admin key and changes nothing', async () => {
    const missing = await world.api('PUT', '/v1/connectors/evil', world.connectorConfig, { key: null });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'unauthorized');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    const wrong = await world.api('PUT', '/v1/connectors/evil', world.connectorConfig, {
      key: 'not-the-admin-key',
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'invalid_api_key');
    assert.equal(await world.server.store.connectors.get('evil'), undefined);
    const health = await world.api('GET', '/healthz', undefined, { key: null });
    assert.deepEqual(health.body, { status: 'ok' });
  });

  it('refuses a redirect URL the integration did not register', async () => {
    const count = await sessionCount();
    const answer = await world.api('POST', '/v1/integrations/demo/sessions', {
      tenantId: 'acme',
      redirectUrl: 'https://evil.example/steal',
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'redirect_url_not_registered');
    assert.equal(answer.body.error.field, 'redirectUrl');
    assert.equal(await sessionCount(), count);
  });

  it('refuses tenant ids over 256 characters or with control characters', async () => {
    const count = await sessionCount();
    for (const tenantId of ['x'.repeat(257), 'acme\u0007', 'ac\nme', '']) {
      const answer = await world.api('POST', '/v1/integrations/demo/sessions', {
        tenantId,
        redirectUrl: world.redirectUrl,
      });
      assert.equal(answer.status, 400, JSON.stringify(tenantId));
      assert.equal(answer.body.error.code, 'invalid_request');
      assert.equal(answer.body.error.field, 'tenantId');
    }
    assert.equal(await sessionCount(), count);
    const longest = await world.api('POST', '/v1/integrations/demo/sessions', {
      tenantId: 'y'.repeat(256),
      redirectUrl: world.redirectUrl,
    });
    assert.equal(longest.status, 201, 'exactly 256 characters is fine');
  });

  it('refuses account ids that are not 12 digits, and keeps leading zeros', async () => {
    const id = await newSession();
    for (const accountId of ['12345678901', '12345678901a', 'abcdefghijkl', 123456789012, '1234567890123']) {
      const answer = await world.api('POST', `/v1/sessions/${id}/start`, { accountId });
      assert.equal(answer.status, 400, JSON.stringify(accountId));
      assert.equal(answer.body.error.field, 'accountId');
    }
    const wrongRegion = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: '012345678901',
      region: 'cn-north-1',
    });
    assert.equal(wrongRegion.status, 400);
    assert.equal(wrongRegion.body.error.field, 'region');
    assert.equal((await world.api('GET', `/v1/sessions/${id}`)).body.status, 'pending');
    const ok = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: '012345678901',
      region: 'eu-west-1',
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.accountId, '012345678901');
    assert.equal(ok.body.region, 'eu-west-1');
  });

  it('refuses an invalid connector configuration naming the field, and keeps the stored one', async () => {
    const bad = { ...world.connectorConfig, iam: { ...world.connectorConfig.iam, mfaSerial: 'not-an-arn' } };
    const answer = await world.api('PUT', '/v1/connectors/aws', bad);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'invalid_connector_config');
    assert.equal(answer.body.error.field, 'iam.mfaSerial');
    assert.match(answer.body.error.message, /^iam\.mfaSerial: /);
    const stored = await world.api('GET', '/v1/connectors/aws');
    assert.equal(stored.body.iam.mfaSerial, world.base.mfaSerial);
  });

  it('never shows a connector secret, and a PUT of the redacted answer keeps the secret', async () => {
    const got = await world.api('GET', '/v1/connectors/aws');
    assert.equal(got.status, 200);
    assert.equal(got.text.includes(world.base.secretAccessKey), false);
    assert.equal(got.text.includes(world.base.otpSecret!), false);
    assert.equal(got.body.iam.accessKeyId, world.base.accessKeyId);
    assert.match(got.body.iam.secretAccessKey, /^••••.{0,4}$/);
    const put = await world.api('PUT', '/v1/connectors/aws', got.body);
    assert.equal(put.status, 200, put.text);
    const record = await world.server.store.connectors.get('aws');
    const iam = (record!.config as { iam: { secretAccessKey: string; otpSecret: string } }).iam;
    assert.equal(iam.secretAccessKey, world.base.secretAccessKey);
    assert.equal(iam.otpSecret, world.base.otpSecret);
    const check = await world.api('POST', '/v1/connectors/aws/check');
    assert.equal(check.status, 200, check.text);
    assert.deepEqual(check.body, {
      accountId: world.base.accountId,
      arn: `arn:aws:iam::${world.base.accountId}:user/skybridge`,
      mfa: 'ok',
    });
  });

  it('refuses a redacted secret copied to another connector or sent with another key id or MFA device (nothing stored)', async () => {
    const got = await world.api('GET', '/v1/connectors/aws');
    const copy = await world.api('PUT', '/v1/connectors/aws-copy', got.body);
    assert.equal(copy.status, 400);
    assert.equal(copy.body.error.code, 'invalid_request');
    assert.equal(copy.body.error.field, 'iam.secretAccessKey');
    assert.match(copy.body.error.message, /redacted value.*Send the real secret/);
    assert.equal((await world.api('GET', '/v1/connectors/aws-copy')).status, 404);

    // The same connector, but another user's key id (or MFA device) with the redacted secret: the old
    // user's secret must not be paired with the new key id.
    for (const [owner, value, secret] of [
      ['accessKeyId', 'AKIAOTHERUSER0000000', 'secretAccessKey'],
      ['mfaSerial', `arn:aws:iam::${world.base.accountId}:mfa/another-device`, 'otpSecret'],
    ] as const) {
      const changed = await world.api('PUT', '/v1/connectors/aws', {
        ...got.body,
        iam: { ...got.body.iam, [owner]: value },
      });
      assert.equal(changed.status, 400, changed.text);
      assert.equal(changed.body.error.field, `iam.${secret}`);
      assert.match(changed.body.error.message, new RegExp(`same iam\\.${owner}`));
    }
    const kept = (await world.server.store.connectors.get('aws'))!.config;
    assert.equal(kept.iam.accessKeyId, world.base.accessKeyId, 'nothing stored');
  });

  it('refuses an integration naming an unknown connector or a redirect URL with a fragment', async () => {
    const unknown = await world.api('PUT', '/v1/integrations/other', {
      connectors: { awsConnector: 'nope' },
      redirectUrls: [world.redirectUrl],
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.field, 'connectors.awsConnector');
    const fragment = await world.api('PUT', '/v1/integrations/other', {
      connectors: { awsConnector: 'aws' },
      redirectUrls: ['https://app.example/done#x'],
    });
    assert.equal(fragment.status, 400);
    assert.equal(fragment.body.error.field, 'redirectUrls.0');
    assert.equal(await world.server.store.integrations.get('other'), undefined);
  });

  it('cancels a session, deletes its template and refuses to verify it afterwards', async () => {
    const id = await newSession();
    const started = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
    });
    const cancelled = await world.api('POST', `/v1/sessions/${id}/cancel`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.error.code, 'session_cancelled');
    assert.ok((await fetch(started.body.templateUrl)).status >= 400, 'template deleted');
    const verify = await world.api('POST', `/v1/sessions/${id}/verify`);
    assert.equal(verify.status, 409);
    assert.equal(verify.body.error.code, 'session_ended');
    const unknown = await world.api('GET', '/v1/sessions/no-such-session');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'session_not_found');
  });

  it('fails a stack whose role does not enforce the external id, without an install', async () => {
    const id = await newSession('loose', 'loose-tenant');
    const started = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
    });
    const stack = await world.createStack(started.body.templateUrl, { stackName: 'skybridge-loose' });
    assert.equal(stack.status, 201, JSON.stringify(stack.body));
    await world.api('POST', `/v1/sessions/${id}/verify`);
    const ended = await world.waitForSession(id);
    assert.equal(ended.status, 'failed');
    assert.equal(ended.error.code, 'external_id_not_enforced');
    assert.equal(ended.installId, undefined);
    assert.deepEqual(await world.server.store.installs.listByIntegration('loose'), []);
    assert.equal(
      world.server.flow.redirectTarget(ended),
      `${world.redirectUrl}?session=${id}&tenantId=loose-tenant&error=external_id_not_enforced`,
    );
  });

  it('says the role was not found when verified before the stack exists, and completes once it does', async () => {
    const id = await newSession('quick', 'quick-tenant');
    const started = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
    });
    await world.api('POST', `/v1/sessions/${id}/verify`);
    const back = await world.waitForSession(id, ['awaiting_stack']);
    assert.equal(back.error.code, 'role_not_assumable');
    assert.ok(back.templateUrl, 'the template is still there to launch');
    await world.createStack(started.body.templateUrl, { stackName: 'skybridge-quick' });
    await world.api('POST', `/v1/sessions/${id}/verify`);
    const ended = await world.waitForSession(id);
    assert.equal(ended.status, 'completed', JSON.stringify(ended));
    assert.equal(ended.error, undefined);
  });

  it('creates one install when two instances complete the same session', async () => {
    const id = await newSession('demo', 'twice');
    const started = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
    });
    const stack = await world.createStack(started.body.templateUrl, { stackName: 'skybridge-twice' });
    assert.equal(stack.status, 201, JSON.stringify(stack.body));
    const { store } = world.server;
    // A second instance on the same store, as behind a load balancer.
    const other = new InstallFlow({
      store,
      connectors: new ConnectorRegistry({ store }),
      clock,
      random: cryptoRandom,
      logger: world.server.services.logger,
      publicUrl: world.url,
      sessionTtlMs: 3_600_000,
    });
    await world.api('POST', `/v1/sessions/${id}/verify`);
    await other.resume(); // picks up the same 'verifying' session
    assert.equal(other.verificationsRunning, 1, 'the second instance verifies too');
    const ended = await world.waitForSession(id);
    assert.equal(ended.status, 'completed');
    for (let i = 0; i < 200 && other.verificationsRunning > 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    await other.stop();
    const installs = await store.installs.listByIntegration('demo', 'twice');
    assert.deepEqual(
      installs.map((i) => i.id),
      [ended.installId],
    );
    const again = await world.api('POST', `/v1/sessions/${id}/verify`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'session_ended');
  });
  // Last: these move the clocks forward.
  it('expires a session after its hour, deletes its template and refuses to go on', async () => {
    const id = await newSession();
    const started = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
    });
    assert.equal((await fetch(started.body.templateUrl)).status, 200);
    await advance(3_600_001);
    const expired = await world.api('GET', `/v1/sessions/${id}`);
    assert.equal(expired.body.status, 'expired');
    assert.equal(expired.body.error.code, 'session_expired');
    assert.ok((await fetch(started.body.templateUrl)).status >= 400, 'template deleted');
    for (const action of ['start', 'verify']) {
      const answer = await world.api('POST', `/v1/sessions/${id}/${action}`, {
        accountId: world.tenant.accountId,
      });
      assert.equal(answer.status, 409, action);
      assert.equal(answer.body.error.code, 'session_ended');
    }
    const target = world.server.flow.redirectTarget(expired.body);
    assert.equal(target, `${world.redirectUrl}?session=${id}&tenantId=acme&error=session_expired`);
  });

  it('sweep() expires a started session past its hour and deletes its template', async () => {
    const id = await newSession();
    const started = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
    });
    assert.equal(started.status, 200, started.text);
    const templateUrl: string = started.body.templateUrl;
    assert.equal((await fetch(templateUrl)).status, 200, 'the template is published');
    await advance(3_600_001);
    // Read from the store: GET /v1/sessions/{id} would expire the session itself.
    assert.equal((await world.server.store.sessions.get(id))?.status, 'awaiting_stack');
    const swept = await world.server.flow.sweep();
    assert.ok(swept >= 1);
    const record = await world.server.store.sessions.get(id);
    assert.equal(record?.status, 'expired');
    assert.equal(record?.errorCode, 'session_expired');
    const gone = await fetch(templateUrl);
    assert.ok([403, 404].includes(gone.status), `the template object is gone (${gone.status})`);
    assert.equal(await world.server.flow.sweep(), 0, 'nothing left to expire');
  });
});

describe('the session sweeper timer', () => {
  const clock = offsetClock();
  let world: World;

  before(async () => {
    // SKYBRIDGE_SWEEP_INTERVAL_SECONDS is how an operator sets the interval (default 60 s).
    world = await setupWorld({ clock, serverEnv: { SKYBRIDGE_SWEEP_INTERVAL_SECONDS: '0.05' } });
  });
  after(async () => {
    await world?.close();
  });

  /** Polls the store (not the API, which would expire the session on read) until `done` holds. */
  const waitFor = async (what: string, done: () => Promise<boolean>, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('expires a started session and deletes its template without anyone calling sweep()', async () => {
    assert.equal(world.server.config.sweepIntervalMs, 50);
    const created = await world.api('POST', '/v1/integrations/demo/sessions', {
      tenantId: 'acme',
      redirectUrl: world.redirectUrl,
    });
    assert.equal(created.status, 201, created.text);
    const id: string = created.body.id;
    const started = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
    });
    assert.equal(started.status, 200, started.text);
    const templateUrl: string = started.body.templateUrl;
    assert.equal((await fetch(templateUrl)).status, 200);
    // Several ticks before the hour is up: the sweeper leaves a live session alone.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await world.server.store.sessions.get(id))?.status, 'awaiting_stack');

    // Both clocks: the server may need a fresh base session, whose MFA code the sandbox checks on its own.
    clock.advance(3_600_001);
    await world.sandboxAdmin.updateSettings({ clockOffsetMs: 3_600_001 });
    await waitFor(
      'the sweeper expires the session',
      async () => (await world.server.store.sessions.get(id))?.status === 'expired',
    );
    await waitFor('the template object is deleted', async () =>
      [403, 404].includes((await fetch(templateUrl)).status),
    );
    const audit = await world.server.store.audit.list({ action: 'session.expired' });
    assert.deepEqual(
      audit.map((entry) => [entry.target, entry.actor]),
      [[id, 'install-flow']],
    );
  });
});
