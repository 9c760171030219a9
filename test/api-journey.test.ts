import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { setupWorld, type World } from './support/journey.js';

// The same journey on the embedded SQLite store and on a fresh PostgreSQL database.
for (const database of ['sqlite', 'postgres'] as const)
  describe(`headless install journey over the management API (${database})`, () => {
    let world: World;
    const logs: string[] = [];
    const answers: string[] = []; // every API answer except the credentials endpoint
    let credentialSecrets: string[] = [];

    before(async () => {
      const logStream = new PassThrough();
      logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
      world = await setupWorld({ logStream, database });
    });
    after(async () => {
      await world?.close();
    });

    const api = async (method: string, path: string, body?: unknown) => {
      const answer = await world.api(method, path, body);
      answers.push(answer.text);
      return answer;
    };

    it('installs a tenant and hands out credentials that list exactly its buckets', async () => {
      const tenantS3 = world.tenantS3();
      for (const name of ['acme-invoices', 'acme-logs', 'acme-media']) {
        await tenantS3.send(new CreateBucketCommand({ Bucket: name }));
      }
      tenantS3.destroy();

      const created = await api('POST', '/v1/integrations/demo/sessions', {
        tenantId: 'acme',
        redirectUrl: world.redirectUrl,
      });
      assert.equal(created.status, 201, created.text);
      const sessionId: string = created.body.id;
      assert.ok(Buffer.from(sessionId, 'base64url').length >= 16, 'session id carries at least 128 bits');
      assert.equal(created.body.status, 'pending');
      assert.equal(created.body.url, `${world.url}/connect/${sessionId}`);
      const ttl = Date.parse(created.body.expiresAt) - Date.now();
      assert.ok(ttl > 3_590_000 && ttl <= 3_600_000, `expires in an hour (${ttl} ms)`);

      const started = await api('POST', `/v1/sessions/${sessionId}/start`, {
        accountId: world.tenant.accountId,
      });
      assert.equal(started.status, 200, started.text);
      assert.equal(started.body.status, 'awaiting_stack');
      assert.equal(started.body.accountId, world.tenant.accountId);
      assert.equal(started.body.region, 'us-east-1');
      const templateUrl: string = started.body.templateUrl;
      assert.equal(templateUrl, `${world.sandbox.url}/${world.templateBucket}/templates/${sessionId}.yaml`);
      assert.ok(
        started.body.consoleUrl.startsWith(
          `${world.sandbox.url}/_sandbox/console/cloudformation?templateURL=`,
        ),
        started.body.consoleUrl,
      );
      const published = await fetch(templateUrl);
      assert.equal(published.status, 200, 'the template is publicly readable');
      const templateText = await published.text();
      assert.match(templateText, /sts:ExternalId/);

      const stack = await world.createStack(templateUrl);
      assert.equal(stack.status, 201, JSON.stringify(stack.body));

      const verifying = await api('POST', `/v1/sessions/${sessionId}/verify`);
      assert.equal(verifying.status, 200, verifying.text);
      assert.equal(verifying.body.status, 'verifying');
      const again = await api('POST', `/v1/sessions/${sessionId}/verify`);
      assert.equal(again.body.status, 'verifying', 'a second verify reports the one in progress');

      const ended = await world.waitForSession(sessionId);
      assert.equal(ended.status, 'completed', JSON.stringify(ended));
      assert.match(ended.installId, /^inst_[A-Za-z0-9_-]{22,}$/);
      assert.equal(ended.templateUrl, undefined, 'an ended session shows no template link');
      assert.equal((await fetch(templateUrl)).status >= 400, true, 'the template object is deleted');

      const install = await api('GET', `/v1/installs/${ended.installId}`);
      assert.equal(install.status, 200, install.text);
      assert.equal(install.body.id, ended.installId);
      assert.equal(install.body.integration, 'demo');
      assert.equal(install.body.tenantId, 'acme');
      assert.equal(install.body.status, 'active');
      assert.equal(install.body.identities.length, 1);
      const identity = install.body.identities[0];
      assert.equal(identity.connector, 'awsConnector');
      assert.equal(identity.accountId, world.tenant.accountId);
      assert.equal(identity.roleArn, `arn:aws:iam::${world.tenant.accountId}:role/skybridge-connector-role`);
      assert.equal(identity.region, 'us-east-1');
      assert.ok(
        templateText.includes(identity.externalId),
        'the install keeps the external id of the template',
      );

      const health = await api('GET', `/v1/installs/${ended.installId}/health`);
      assert.equal(health.status, 200, health.text);
      assert.equal(health.body.healthy, true);
      assert.ok(Math.abs(Date.parse(health.body.checkedAt) - Date.now()) < 60_000);

      const credentials = await world.api(
        'POST',
        '/v1/integrations/demo/tenants/acme/credentials?connector=awsConnector',
      );
      assert.equal(credentials.status, 200, credentials.text);
      assert.equal(credentials.headers.get('cache-control'), 'no-store');
      assert.equal(credentials.body.region, 'us-east-1');
      assert.ok(Date.parse(credentials.body.expiration) > Date.now());
      credentialSecrets = [credentials.body.secretAccessKey, credentials.body.sessionToken];
      const s3 = new S3Client({
        region: credentials.body.region,
        endpoint: world.sandbox.url,
        forcePathStyle: true,
        credentials: {
          accessKeyId: credentials.body.accessKeyId,
          secretAccessKey: credentials.body.secretAccessKey,
          sessionToken: credentials.body.sessionToken,
        },
      });
      const listed = await s3.send(new ListBucketsCommand({}));
      s3.destroy();
      assert.deepEqual(listed.Buckets?.map((b) => b.Name).sort(), [
        'acme-invoices',
        'acme-logs',
        'acme-media',
      ]);

      const audit = await world.server.store.audit.list({ limit: 100 });
      const actions = audit.map((entry) => entry.action);
      for (const action of ['session.created', 'session.started', 'install.created', 'credentials.issued']) {
        assert.ok(actions.includes(action), `audit has ${action}: ${actions.join(', ')}`);
      }
      const issued = audit.find((entry) => entry.action === 'credentials.issued')!;
      assert.equal(issued.target, ended.installId);
      assert.match(issued.actor, /^api-key:/);

      const metrics = await fetch(`${world.url}/metrics`).then((r) => r.text());
      assert.match(metrics, /skybridge_credentials_issued_total 1\n/);
      assert.match(metrics, /skybridge_sessions\{status="completed"\} 1\n/);
    });

    it('keeps the external id when a tenant reconnects and replaces its earlier install', async () => {
      const before = await api('GET', '/v1/integrations/demo/installs?tenantId=acme');
      assert.equal(before.body.items.length, 1);
      const first = before.body.items[0];
      // The role from the first install trusts the same external id, so no new stack is needed.
      const { installId } = await world.installTenant('acme', { stack: false });
      assert.notEqual(installId, first.id);
      const afterList = await api('GET', '/v1/integrations/demo/installs?tenantId=acme');
      assert.deepEqual(
        afterList.body.items.map((i: { id: string }) => i.id),
        [installId],
      );
      const second = await api('GET', `/v1/installs/${installId}`);
      assert.equal(second.body.identities[0].externalId, first.identities[0].externalId);
      const old = await api('GET', `/v1/installs/${first.id}`);
      assert.equal(old.body.status, 'deleted');
    });

    it('stops issuing credentials once the install is deleted', async () => {
      const list = await api('GET', '/v1/integrations/demo/installs?tenantId=acme');
      const installId = list.body.items[0].id;
      const deleted = await api('DELETE', `/v1/installs/${installId}`);
      assert.equal(deleted.status, 204);
      const credentials = await api('POST', '/v1/integrations/demo/tenants/acme/credentials');
      assert.equal(credentials.status, 404, credentials.text);
      assert.equal(credentials.body.error.code, 'install_not_found');
      const health = await api('GET', `/v1/installs/${installId}/health`);
      assert.equal(health.body.healthy, false);
      assert.equal(health.body.error.code, 'install_deleted');
    });

    it('keeps every secret out of the database file, the logs and the API answers', async () => {
      answers.push((await world.api('GET', '/v1/connectors/aws')).text);
      const secrets = {
        'IAM secret key': world.base.secretAccessKey,
        'OTP secret': world.base.otpSecret!,
        'admin key': world.adminKey,
        'master key': world.masterKey,
        'tenant secret key': credentialSecrets[0]!,
        'tenant session token': credentialSecrets[1]!,
      };
      const stored = await world.storedText();
      assert.ok(stored.includes('acme'), 'the stored data was read');
      assert.ok(logs.length > 10, 'logs were captured');
      const logText = logs.join('');
      for (const [what, secret] of Object.entries(secrets)) {
        assert.ok(secret && secret.length >= 16, `${what} is known to the test`);
        assert.equal(stored.includes(secret), false, `${what} in the ${database} database`);
        assert.equal(logText.includes(secret), false, `${what} in the logs`);
        for (const answer of answers)
          assert.equal(answer.includes(secret), false, `${what} in an API answer`);
      }
      assert.match(logText, /"requestId":"req_/);
      // Lines from parts that know nothing of HTTP carry the request whose work they do, once.
      const lines = logText.split('\n').filter(Boolean);
      for (const line of lines) assert.ok((line.match(/"requestId"/g) ?? []).length <= 1, line);
      for (const message of ['base session obtained', 'install created']) {
        const found = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === message);
        assert.ok(found.length > 0, `a "${message}" line`);
        for (const entry of found) assert.match(entry.requestId ?? '', /^req_/, JSON.stringify(entry));
      }
      const warnings = logs.filter((line) => /"level":(40|50|60)/.test(line));
      assert.deepEqual(warnings, [], 'no warnings or errors logged on the happy path');
    });
  });
