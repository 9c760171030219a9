/**
 * "The sandbox must refuse what AWS refuses": each test pins one refusal (or answer) to what AWS
 * does, through the real SDK clients, with the error name the SDK raises against AWS.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import type { SandboxAdminClient } from './adminClient.js';
import { createRole } from './iamRoles.js';
import type { PolicyDocument, PolicyStatement } from './model.js';
import type { RunningSandbox } from './server.js';
import {
  createAccountWithUser,
  fromSts,
  type Keys,
  rejection,
  s3Client,
  startTestSandbox,
  stsClient,
} from './testing.js';
import { totpCode } from './totp.js';

const BASE = '111122223333';
const TENANT = '012345678901';
const EXTERNAL_ID = 'ext-7f3c9a1e5b2d4c6a8e0f';
const INVALID_CODE = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';
// The start of a TOTP step, so codes are predictable.
const START = Date.UTC(2030, 0, 1, 12, 0, 0);

const externalIdTrust = (...extra: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${BASE}:root` },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
    },
    ...extra,
  ],
});

describe('sandbox refuses what AWS refuses', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdminClient;
  let now = START;
  let user: Keys & { arn: string };
  let mfa: { serialNumber: string; base32Secret: string };

  const sts = (credentials: Keys, region?: string) => stsClient(sandbox, credentials, region);
  const s3 = (credentials: Keys) => s3Client(sandbox, credentials);
  const role = (roleName: string, policy: PolicyDocument, accountId = TENANT) =>
    createRole(sandbox.world, accountId, { roleName, assumeRolePolicyDocument: policy }, now);
  const sessionWithCode = (code: string) =>
    sts(user).send(new GetSessionTokenCommand({ SerialNumber: mfa.serialNumber, TokenCode: code }));

  before(async () => {
    ({ sandbox, admin } = await startTestSandbox({ now: () => now }));
  });
  after(() => sandbox.close());
  beforeEach(async () => {
    await admin.reset();
    now += 10 * 30_000;
    await admin.createAccount(BASE);
    await admin.createAccount(TENANT);
    user = await admin.createUser(BASE, 'integration-bot');
    mfa = await admin.createMfaDevice(BASE, 'integration-bot');
  });

  describe('MFA one-time codes', () => {
    it('refuses an older step’s code once a newer step was accepted, though both are in the window', async () => {
      const older = totpCode(mfa.base32Secret, now - 30_000);
      const current = totpCode(mfa.base32Secret, now);
      assert.notEqual(older, current);
      assert.ok((await sessionWithCode(current)).Credentials?.SessionToken);
      const error = await rejection(sessionWithCode(older));
      assert.equal(error.name, 'AccessDenied');
      assert.equal(error.message, INVALID_CODE);
    });

    it('keeps the last used counter across GetSessionToken and AssumeRole with MFA', async () => {
      const tenantRole = role('mfa-direct', externalIdTrust());
      const next = totpCode(mfa.base32Secret, now + 30_000);
      assert.ok((await sessionWithCode(next)).Credentials?.SessionToken);
      const error = await rejection(
        sts(user).send(
          new AssumeRoleCommand({
            RoleArn: tenantRole.arn,
            RoleSessionName: 'acme',
            ExternalId: EXTERNAL_ID,
            SerialNumber: mfa.serialNumber,
            TokenCode: totpCode(mfa.base32Secret, now),
          }),
        ),
      );
      assert.equal(error.name, 'AccessDenied');
      assert.equal(error.message, INVALID_CODE);
      // The step after the last accepted one still works.
      now += 60_000;
      assert.ok((await sessionWithCode(totpCode(mfa.base32Secret, now))).Credentials?.SessionToken);
    });
  });

  describe('STS validation and refusals', () => {
    it('refuses DurationSeconds 43201, a 65-character RoleSessionName and a 1225-character ExternalId', async () => {
      const tenantRole = role('validated', externalIdTrust());
      const base = { RoleArn: tenantRole.arn, RoleSessionName: 'acme', ExternalId: EXTERNAL_ID };
      const cases: [Partial<typeof base> & { DurationSeconds?: number }, string][] = [
        [
          { DurationSeconds: 43201 },
          "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
        ],
        [
          { RoleSessionName: 's'.repeat(65) },
          `1 validation error detected: Value '${'s'.repeat(65)}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
        ],
        [
          { ExternalId: 'e'.repeat(1225) },
          `1 validation error detected: Value '${'e'.repeat(1225)}' at 'externalId' failed to satisfy constraint: Member must have length less than or equal to 1224`,
        ],
      ];
      for (const [change, message] of cases) {
        const error = await rejection(sts(user).send(new AssumeRoleCommand({ ...base, ...change })));
        assert.equal(error.name, 'ValidationError');
        assert.equal(error.message, message);
        assert.equal(error.$metadata?.httpStatusCode, 400);
      }
      // The limits themselves are accepted.
      const edge = await sts(user)
        .send(new AssumeRoleCommand({ ...base, RoleSessionName: 's'.repeat(64), ExternalId: undefined }))
        .catch((error: Error) => error);
      assert.equal((edge as Error).name, 'AccessDenied', 'valid shape, refused only by the trust policy');
    });

    it('refuses an 8-character SerialNumber with ValidationError', async () => {
      const error = await rejection(
        sts(user).send(new GetSessionTokenCommand({ SerialNumber: 'GAHT1234', TokenCode: '123456' })),
      );
      assert.equal(error.name, 'ValidationError');
      assert.equal(
        error.message,
        "1 validation error detected: Value 'GAHT1234' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9",
      );
    });

    it('refuses GetSessionToken with GetSessionToken and role session credentials', async () => {
      const session = fromSts((await sts(user).send(new GetSessionTokenCommand({}))).Credentials);
      const tenantRole = role('session-source', externalIdTrust());
      const roleSession = fromSts(
        (
          await sts(user).send(
            new AssumeRoleCommand({
              RoleArn: tenantRole.arn,
              RoleSessionName: 'acme',
              ExternalId: EXTERNAL_ID,
            }),
          )
        ).Credentials,
      );
      for (const credentials of [session, roleSession]) {
        const error = await rejection(sts(credentials).send(new GetSessionTokenCommand({})));
        assert.equal(error.name, 'AccessDenied');
        assert.equal(error.message, 'Cannot call GetSessionToken with session credentials');
      }
    });

    it('answers RegionDisabledException for a deactivated region, naming the role-owning account', async () => {
      const tenantRole = role('regional', externalIdTrust());
      await admin.updateSettings({ stsDisabledRegions: ['ap-south-2'] });
      const error = await rejection(
        sts(user, 'ap-south-2').send(
          new AssumeRoleCommand({
            RoleArn: tenantRole.arn,
            RoleSessionName: 'acme',
            ExternalId: EXTERNAL_ID,
          }),
        ),
      );
      assert.equal(error.name, 'RegionDisabledException');
      assert.equal(error.$metadata?.httpStatusCode, 403);
      assert.equal(
        error.message,
        `STS is not activated in this region for account:${TENANT}. Your account administrator can activate STS in this region using the IAM Console.`,
      );
      // Other regions are unaffected, and us-east-1 cannot be deactivated.
      assert.equal((await sts(user, 'eu-west-1').send(new GetCallerIdentityCommand({}))).Account, BASE);
      await assert.rejects(admin.updateSettings({ stsDisabledRegions: ['us-east-1'] }), /us-east-1/);
    });
  });

  describe('trust policies', () => {
    it('matches a user ARN principal for that user (and its sessions) only', async () => {
      const other = await admin.createUser(BASE, 'someone-else');
      const userRole = role('user-only', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: user.arn }, Action: 'sts:AssumeRole' }],
      });
      const params = { RoleArn: userRole.arn, RoleSessionName: 'acme' };
      assert.ok((await sts(user).send(new AssumeRoleCommand(params))).Credentials);
      const session = fromSts((await sts(user).send(new GetSessionTokenCommand({}))).Credentials);
      assert.ok((await sts(session).send(new AssumeRoleCommand(params))).Credentials);

      const refused = await rejection(sts(other).send(new AssumeRoleCommand(params)));
      assert.equal(refused.name, 'AccessDenied');
      assert.equal(
        refused.message,
        `User: ${other.arn} is not authorized to perform: sts:AssumeRole on resource: ${userRole.arn}`,
      );
      // A role session of the same account is not that user either.
      const hop = role(
        'hop',
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: BASE }, Action: 'sts:AssumeRole' }],
        },
        BASE,
      );
      const hopSession = fromSts(
        (await sts(other).send(new AssumeRoleCommand({ RoleArn: hop.arn, RoleSessionName: 'hop' })))
          .Credentials,
      );
      assert.equal(
        (await rejection(sts(hopSession).send(new AssumeRoleCommand(params)))).name,
        'AccessDenied',
      );
    });

    it('lets a role session chain into another account’s role only when its own policies allow sts:AssumeRole', async () => {
      const sourceTrust: PolicyDocument = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: BASE }, Action: 'sts:AssumeRole' }],
      };
      const readOnly = createRole(
        sandbox.world,
        BASE,
        {
          roleName: 'read-only',
          assumeRolePolicyDocument: sourceTrust,
          managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
        },
        now,
      );
      const tenantRole = role('chained-target', externalIdTrust());
      const target = { RoleArn: tenantRole.arn, RoleSessionName: 'hop2', ExternalId: EXTERNAL_ID };
      const session = fromSts(
        (await sts(user).send(new AssumeRoleCommand({ RoleArn: readOnly.arn, RoleSessionName: 'hop1' })))
          .Credentials,
      );
      const error = await rejection(sts(session).send(new AssumeRoleCommand(target)));
      assert.equal(error.name, 'AccessDenied');
      assert.equal(
        error.message,
        `User: arn:aws:sts::${BASE}:assumed-role/read-only/hop1 is not authorized to perform: sts:AssumeRole on resource: ${tenantRole.arn}`,
      );
      readOnly.inlinePolicies.set('chain', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: tenantRole.arn }],
      });
      const chained = await sts(session).send(new AssumeRoleCommand(target));
      assert.equal(chained.AssumedRoleUser?.Arn, `arn:aws:sts::${TENANT}:assumed-role/chained-target/hop2`);
    });

    it('applies a Deny whose condition the sandbox cannot evaluate, and skips such an Allow', async () => {
      const params = { RoleSessionName: 'acme', ExternalId: EXTERNAL_ID };
      const denyUnknown = role(
        'deny-unknown',
        externalIdTrust({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sts:AssumeRole',
          Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
        }),
      );
      const denied = await rejection(
        sts(user).send(new AssumeRoleCommand({ ...params, RoleArn: denyUnknown.arn })),
      );
      assert.equal(denied.name, 'AccessDenied');

      const allowUnknown = role('allow-unknown', {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${BASE}:root` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
          },
        ],
      });
      const skipped = await rejection(
        sts(user).send(new AssumeRoleCommand({ ...params, RoleArn: allowUnknown.arn })),
      );
      assert.equal(skipped.name, 'AccessDenied');

      // A Deny on keys the sandbox knows is evaluated: it spares the named user and stops others.
      const other = await admin.createUser(BASE, 'someone-else');
      const onlyBot = role(
        'only-bot',
        externalIdTrust({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sts:AssumeRole',
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': user.arn } },
        }),
      );
      assert.ok(
        (await sts(user).send(new AssumeRoleCommand({ ...params, RoleArn: onlyBot.arn }))).Credentials,
      );
      assert.equal(
        (await rejection(sts(other).send(new AssumeRoleCommand({ ...params, RoleArn: onlyBot.arn })))).name,
        'AccessDenied',
      );
    });
  });

  describe('identity and bucket policies with conditions', () => {
    const bucket = 'parity-reports';
    let bot: Keys;

    beforeEach(async () => {
      bot = user;
      await s3(bot).send(new CreateBucketCommand({ Bucket: bucket }));
      await s3(bot).send(new PutObjectCommand({ Bucket: bucket, Key: 'q1.csv', Body: 'a,b\n' }));
    });

    const putPolicy = (statements: PolicyStatement[]) =>
      s3(bot).send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
        }),
      );

    it('lets a bucket policy Deny with an unsupported condition refuse even the owner', async () => {
      await putPolicy([
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
          Condition: { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } },
        },
      ]);
      const error = await rejection(s3(bot).send(new GetObjectCommand({ Bucket: bucket, Key: 'q1.csv' })));
      assert.equal(error.name, 'AccessDenied');
      // Writes are not covered by that statement.
      await s3(bot).send(new PutObjectCommand({ Bucket: bucket, Key: 'q2.csv', Body: 'c' }));
    });

    it('grants nothing through a bucket policy Allow with an unsupported condition', async () => {
      await putPolicy([
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
          Condition: { StringLike: { 'aws:Referer': 'https://example.com/*' } },
        },
      ]);
      const anonymous = await fetch(`${sandbox.url}/${bucket}/q1.csv`);
      assert.equal(anonymous.status, 403);
      assert.match(await anonymous.text(), /<Code>AccessDenied<\/Code>/);
    });

    it('evaluates a bucket policy Deny on aws:PrincipalAccount and honours NotPrincipal', async () => {
      const outsider = await admin.createUser(TENANT, 'outsider');
      await putPolicy([
        {
          Effect: 'Allow',
          Principal: { AWS: TENANT },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
        },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
          Condition: { StringNotEquals: { 'aws:PrincipalAccount': BASE } },
        },
      ]);
      const own = await s3(bot).send(new GetObjectCommand({ Bucket: bucket, Key: 'q1.csv' }));
      assert.equal(await own.Body?.transformToString(), 'a,b\n');
      const error = await rejection(
        s3(outsider).send(new GetObjectCommand({ Bucket: bucket, Key: 'q1.csv' })),
      );
      assert.equal(error.name, 'AccessDenied');

      // Deny with NotPrincipal: everyone but the listed account and user is refused, anonymous included.
      await putPolicy([
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
        {
          Effect: 'Deny',
          NotPrincipal: { AWS: [`arn:aws:iam::${BASE}:root`, user.arn] },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
        },
      ]);
      assert.equal((await fetch(`${sandbox.url}/${bucket}/q1.csv`)).status, 403);
      const mine = await s3(bot).send(new GetObjectCommand({ Bucket: bucket, Key: 'q1.csv' }));
      assert.equal(await mine.Body?.transformToString(), 'a,b\n');
    });

    it('lets a role identity policy Deny with an unsupported condition refuse, and skips such an Allow', async () => {
      const worker = createRole(
        sandbox.world,
        BASE,
        {
          roleName: 'worker',
          assumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: BASE }, Action: 'sts:AssumeRole' }],
          },
          inlinePolicies: {
            s3: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: 's3:PutObject', Resource: '*' },
                {
                  Effect: 'Allow',
                  Action: 's3:GetObject',
                  Resource: '*',
                  Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
                },
                {
                  Effect: 'Deny',
                  Action: 's3:PutObject',
                  Resource: `arn:aws:s3:::${bucket}/locked/*`,
                  Condition: { StringEquals: { 's3:x-amz-server-side-encryption': 'AES256' } },
                },
              ],
            },
          },
        },
        now,
      );
      const session = fromSts(
        (await sts(user).send(new AssumeRoleCommand({ RoleArn: worker.arn, RoleSessionName: 'worker' })))
          .Credentials,
      );
      await s3(session).send(new PutObjectCommand({ Bucket: bucket, Key: 'open/a.txt', Body: 'x' }));
      const locked = await rejection(
        s3(session).send(new PutObjectCommand({ Bucket: bucket, Key: 'locked/a.txt', Body: 'x' })),
      );
      assert.equal(locked.name, 'AccessDenied');
      const read = await rejection(s3(session).send(new GetObjectCommand({ Bucket: bucket, Key: 'q1.csv' })));
      assert.equal(read.name, 'AccessDenied');
    });
  });
});

describe('sandbox clock frozen near Unix 0', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdminClient;
  const FROZEN = 5_000;

  before(async () => {
    ({ sandbox, admin } = await startTestSandbox({ now: () => FROZEN }));
  });
  after(() => sandbox.close());

  it('issues credentials whose Expiration follows the sandbox clock (1970), and they still work', async () => {
    const user = await createAccountWithUser(admin, BASE, 'bot');
    const mfa = await admin.createMfaDevice(BASE, 'bot');
    const sts = (credentials: Keys) => stsClient(sandbox, credentials);
    const answer = await sts(user).send(
      new GetSessionTokenCommand({
        SerialNumber: mfa.serialNumber,
        TokenCode: totpCode(mfa.base32Secret, FROZEN),
        DurationSeconds: 900,
      }),
    );
    assert.equal(answer.Credentials?.Expiration?.toISOString(), '1970-01-01T00:15:05.000Z');
    const identity = await sts(fromSts(answer.Credentials)).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, user.arn);
  });
});
