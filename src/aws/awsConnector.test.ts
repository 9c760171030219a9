import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsConnector } from './awsConnector.js';
import { MemoryEngineStore } from './engineStore.js';
import { BASE_ACCOUNT, StsSandbox } from './stsSandbox.fixture.js';
import type { IdentityHealth } from './tenantIdentity.js';

const TENANT = '012345678901';
const EXTERNAL_ID = 'facade-external-id-0123456789abcdef';
const SESSION_ID = 'sess_0123456789abcdefXYZ';

describe('AwsConnector against the sandbox', () => {
  let sts: StsSandbox;
  // One store for the file, as instances of one deployment share theirs: the TOTP steps used stay known.
  const store = new MemoryEngineStore();

  before(async () => {
    sts = await StsSandbox.start();
    await sts.createAccount(TENANT);
    sts.createBucket(BASE_ACCOUNT, 'skybridge-templates');
    sts.createBucket(TENANT, 'acme-data');
  });
  after(async () => {
    await sts.close();
  });

  it('checks the base credentials with MFA (one GetSessionToken, then GetCallerIdentity)', async () => {
    await sts.admin.resetStats();
    const aws = new AwsConnector({ name: 'aws', config: sts.config(), store });
    assert.deepEqual(await aws.check(), { accountId: BASE_ACCOUNT, arn: sts.user.arn, mfa: 'ok' });
    assert.equal(await aws.baseAccountId(), BASE_ACCOUNT);
    assert.deepEqual(await sts.stsCalls(), { AssumeRole: 0, GetSessionToken: 1, GetCallerIdentity: 1 });
  });

  it('says MFA is not configured when it is not', async () => {
    const aws = new AwsConnector({
      name: 'plain',
      config: sts.config({ mfa: false }),
      store: new MemoryEngineStore(),
    });
    assert.equal((await aws.check()).mfa, 'not-configured');
  });

  it('prepares an install: renders the template with our account and the external id, publishes it, links the console', async () => {
    const aws = new AwsConnector({
      name: 'aws',
      config: sts.config({ mfa: false }),
      store: new MemoryEngineStore(),
    });
    const prepared = await aws.prepareInstall({
      sessionId: SESSION_ID,
      accountId: TENANT,
      region: 'eu-west-1',
      externalId: EXTERNAL_ID,
    });
    assert.equal(prepared.roleArn, `arn:aws:iam::${TENANT}:role/skybridge-connector-role`);
    assert.equal(prepared.stackName, 'skybridge-connector');
    assert.equal(prepared.templateUrl, `${sts.url}/skybridge-templates/templates/${SESSION_ID}.yaml`);
    assert.ok(prepared.templateBody.includes(EXTERNAL_ID));
    assert.ok(prepared.templateBody.includes(BASE_ACCOUNT));
    assert.ok(prepared.templateVersion.length > 0);
    assert.ok(
      prepared.consoleUrl.startsWith(
        'https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#',
      ),
    );
    assert.ok(prepared.consoleUrl.includes(encodeURIComponent(prepared.templateUrl)));
    const stored = sts.sandbox.world.buckets
      .get('skybridge-templates')
      ?.objects.get(`templates/${SESSION_ID}.yaml`);
    assert.equal(stored?.body.toString('utf8'), prepared.templateBody);

    await aws.removeTemplate(SESSION_ID);
    assert.equal(
      sts.sandbox.world.buckets.get('skybridge-templates')?.objects.has(`templates/${SESSION_ID}.yaml`),
      false,
    );
  });

  it('verifies, hands out cached credentials and a provider, and forgets them on uninstall', async () => {
    const health: IdentityHealth[] = [];
    const aws = new AwsConnector({
      name: 'aws',
      config: sts.config(),
      store,
      onIdentityHealth: (_identity, h) => health.push(h),
    });
    const identity = sts.identity({
      id: 'idn_facade',
      accountId: TENANT,
      externalId: EXTERNAL_ID,
      roleArn: sts.createTenantRole({ accountId: TENANT, externalId: EXTERNAL_ID }),
    });
    assert.equal(identity.roleArn, aws.roleArnFor(TENANT));
    const verified = await aws.verify(identity);
    assert.equal(verified.accountId, TENANT);

    await sts.admin.resetStats();
    const first = await aws.getCredentials(identity);
    const again = await aws.getCredentials(identity);
    assert.equal(again, first);
    const s3 = new S3Client({
      region: identity.region,
      endpoint: sts.url,
      forcePathStyle: true,
      credentials: aws.credentialProvider(identity),
    });
    const buckets = await s3.send(new ListBucketsCommand({}));
    s3.destroy();
    assert.deepEqual(
      buckets.Buckets?.map((b) => b.Name),
      ['acme-data'],
    );
    assert.equal((await sts.stsCalls()).AssumeRole, 1);
    assert.deepEqual(
      health.map((h) => h.healthy),
      [true],
    );

    await aws.forget(identity);
    const fresh = await aws.getCredentials(identity);
    assert.notEqual(fresh.accessKeyId, first.accessKeyId);
    assert.equal((await sts.stsCalls()).AssumeRole, 2);
  });

  it("answers the connector user's least-privilege IAM policy", () => {
    const aws = new AwsConnector({ name: 'aws', config: sts.config(), store });
    const policy = aws.iamPolicy() as { Version: string; Statement: unknown[] };
    assert.equal(policy.Version, '2012-10-17');
    assert.ok(policy.Statement.length > 0);
  });
});
