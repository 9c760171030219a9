import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import type { SandboxAdminClient } from './adminClient.js';
import { createRole } from './iamRoles.js';
import type { PolicyDocument } from './model.js';
import type { RunningSandbox } from './server.js';
import { fromSts, iamClient, type Keys, rejection, startTestSandbox, stsClient } from './testing.js';
import { totpCode } from './totp.js';

const BASE = '111122223333';
const TENANT = '012345678901';
const EXTERNAL_ID = 'ext-7f3c9a1e5b2d4c6a8e0f';
// A fixed instant at the start of a TOTP step, so codes are predictable.
const START = Date.UTC(2030, 0, 1, 12, 0, 0);

function trustPolicy(extra: Record<string, Record<string, string>> = {}): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${BASE}:root` },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID }, ...extra },
      },
    ],
  };
}

describe('sandbox STS through the AWS SDK', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdminClient;
  let now = START;
  let user: Keys & { arn: string };
  let mfa: { serialNumber: string; base32Secret: string };

  const sts = (credentials: Keys) => stsClient(sandbox, credentials);
  const role = (roleName: string, policy = trustPolicy(), maxSessionDuration?: number) =>
    createRole(
      sandbox.world,
      TENANT,
      { roleName, assumeRolePolicyDocument: policy, maxSessionDuration },
      now,
    );
  const mfaSession = async () => {
    const answer = await sts(user).send(
      new GetSessionTokenCommand({
        SerialNumber: mfa.serialNumber,
        TokenCode: totpCode(mfa.base32Secret, now),
      }),
    );
    return fromSts(answer.Credentials);
  };

  before(async () => {
    ({ sandbox, admin } = await startTestSandbox({ now: () => now }));
  });
  after(() => sandbox.close());
  beforeEach(async () => {
    await admin.reset();
    now += 10 * 30_000; // a fresh TOTP step for every test
    await admin.createAccount(BASE);
    await admin.createAccount(TENANT);
    user = await admin.createUser(BASE, 'integration-bot');
    mfa = await admin.createMfaDevice(BASE, 'integration-bot');
  });

  it('answers GetCallerIdentity with the account, ARN and user id of a long-term key', async () => {
    const identity = await sts(user).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, BASE);
    assert.equal(identity.Arn, `arn:aws:iam::${BASE}:user/integration-bot`);
    assert.match(identity.UserId ?? '', /^AIDA[A-Z0-9]{17}$/);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const error = await rejection(
      sts({ ...user, secretAccessKey: `${user.secretAccessKey.slice(0, -1)}x` }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    assert.equal(error.name, 'SignatureDoesNotMatch');
  });

  it('refuses an unknown access key with InvalidClientTokenId', async () => {
    const error = await rejection(
      sts({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: user.secretAccessKey }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    assert.equal(error.name, 'InvalidClientTokenId');
    assert.equal(error.message, 'The security token included in the request is invalid.');
  });

  it('accepts a TOTP code once and refuses the same code again', async () => {
    const code = totpCode(mfa.base32Secret, now);
    const first = await sts(user).send(
      new GetSessionTokenCommand({ SerialNumber: mfa.serialNumber, TokenCode: code, DurationSeconds: 3600 }),
    );
    assert.match(first.Credentials?.AccessKeyId ?? '', /^ASIA[A-Z0-9]{16}$/);
    assert.equal(first.Credentials?.Expiration?.getTime(), now + 3600_000);
    const again = await rejection(
      sts(user).send(new GetSessionTokenCommand({ SerialNumber: mfa.serialNumber, TokenCode: code })),
    );
    assert.equal(again.name, 'AccessDenied');
    assert.equal(again.message, 'MultiFactorAuthentication failed with invalid MFA one time pass code. ');
  });

  it('accepts the code of an adjacent step but not one two steps away', async () => {
    const current = totpCode(mfa.base32Secret, now);
    const twoAway = totpCode(mfa.base32Secret, now + 60_000);
    if (twoAway !== current && twoAway !== totpCode(mfa.base32Secret, now + 30_000)) {
      const error = await rejection(
        sts(user).send(new GetSessionTokenCommand({ SerialNumber: mfa.serialNumber, TokenCode: twoAway })),
      );
      assert.equal(error.message, 'MultiFactorAuthentication failed with invalid MFA one time pass code. ');
    }
    const next = await sts(user).send(
      new GetSessionTokenCommand({
        SerialNumber: mfa.serialNumber,
        TokenCode: totpCode(mfa.base32Secret, now + 30_000),
      }),
    );
    assert.ok(next.Credentials?.SessionToken);
  });

  it('refuses a serial that is not the user’s device as unable to validate', async () => {
    const error = await rejection(
      sts(user).send(
        new GetSessionTokenCommand({
          SerialNumber: `arn:aws:iam::${BASE}:mfa/someone-else`,
          TokenCode: totpCode(mfa.base32Secret, now),
        }),
      ),
    );
    assert.equal(error.name, 'AccessDenied');
    assert.equal(
      error.message,
      'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.',
    );
  });

  it('validates TokenCode, SerialNumber and DurationSeconds the way STS does', async () => {
    const short = await rejection(
      sts(user).send(new GetSessionTokenCommand({ SerialNumber: mfa.serialNumber, TokenCode: '12345' })),
    );
    assert.equal(short.name, 'ValidationError');
    assert.match(
      short.message,
      /^1 validation error detected: Value '12345' at 'tokenCode' failed to satisfy constraint/,
    );
    const letters = await rejection(
      sts(user).send(new GetSessionTokenCommand({ SerialNumber: mfa.serialNumber, TokenCode: '12a456' })),
    );
    assert.equal(
      letters.message,
      "1 validation error detected: Value '12a456' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*",
    );
    const serial = await rejection(
      sts(user).send(new GetSessionTokenCommand({ SerialNumber: 'bad serial!', TokenCode: '123456' })),
    );
    assert.equal(serial.name, 'ValidationError');
    const duration = await rejection(sts(user).send(new GetSessionTokenCommand({ DurationSeconds: 899 })));
    assert.equal(duration.name, 'ValidationError');
    assert.match(duration.message, /durationSeconds/);
  });

  it('refuses GetSessionToken called with session credentials', async () => {
    const session = await mfaSession();
    const error = await rejection(sts(session).send(new GetSessionTokenCommand({})));
    assert.equal(error.name, 'AccessDenied');
  });

  it('answers ExpiredToken once the sandbox clock passes the expiry', async () => {
    const session = await mfaSession();
    const identity = await sts(session).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, user.arn);
    await admin.updateSettings({ clockOffsetMs: 43_200_000 });
    const error = await rejection(sts(session).send(new GetCallerIdentityCommand({})));
    assert.equal(error.name, 'ExpiredToken');
    assert.equal(error.message, 'The security token included in the request is expired');
    // The long-term key keeps working: the skew check uses real time, not the moved clock.
    assert.equal((await sts(user).send(new GetCallerIdentityCommand({}))).Account, BASE);
  });

  it('assumes a tenant role only with the right external ID, and acts in the tenant account', async () => {
    const tenantRole = role('skybridge-connector-role');
    const session = await mfaSession();
    const denied = `User: ${user.arn} is not authorized to perform: sts:AssumeRole on resource: ${tenantRole.arn}`;
    const without = await rejection(
      sts(session).send(new AssumeRoleCommand({ RoleArn: tenantRole.arn, RoleSessionName: 'acme' })),
    );
    assert.equal(without.name, 'AccessDenied');
    assert.equal(without.message, denied);
    const wrong = await rejection(
      sts(session).send(
        new AssumeRoleCommand({ RoleArn: tenantRole.arn, RoleSessionName: 'acme', ExternalId: 'other-id' }),
      ),
    );
    assert.equal(wrong.message, denied);

    const assumed = await sts(session).send(
      new AssumeRoleCommand({ RoleArn: tenantRole.arn, RoleSessionName: 'acme', ExternalId: EXTERNAL_ID }),
    );
    const arn = `arn:aws:sts::${TENANT}:assumed-role/skybridge-connector-role/acme`;
    assert.equal(assumed.AssumedRoleUser?.Arn, arn);
    assert.equal(assumed.AssumedRoleUser?.AssumedRoleId, `${tenantRole.roleId}:acme`);
    assert.equal(assumed.Credentials?.Expiration?.getTime(), now + 3600_000);
    const identity = await sts(fromSts(assumed.Credentials)).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, TENANT);
    assert.equal(identity.Arn, arn);
  });

  it('refuses AssumeRole for a role that does not exist', async () => {
    const error = await rejection(
      sts(user).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${TENANT}:role/missing`,
          RoleSessionName: 'acme',
          ExternalId: EXTERNAL_ID,
        }),
      ),
    );
    assert.equal(error.name, 'AccessDenied');
  });

  it('limits role chaining to one hour, GetSessionToken sessions included', async () => {
    const tenantRole = role('chained', trustPolicy(), 43200);
    const session = await mfaSession();
    const error = await rejection(
      sts(session).send(
        new AssumeRoleCommand({
          RoleArn: tenantRole.arn,
          RoleSessionName: 'acme',
          ExternalId: EXTERNAL_ID,
          DurationSeconds: 7200,
        }),
      ),
    );
    assert.equal(error.name, 'ValidationError');
    assert.equal(
      error.message,
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
    // The same request with the long-term key is not chaining.
    const direct = await sts(user).send(
      new AssumeRoleCommand({
        RoleArn: tenantRole.arn,
        RoleSessionName: 'acme',
        ExternalId: EXTERNAL_ID,
        DurationSeconds: 7200,
      }),
    );
    assert.equal(direct.Credentials?.Expiration?.getTime(), now + 7200_000);
  });

  it('limits role chaining from role credentials to one hour, even when both roles allow 12', async () => {
    // Both roles made through IAM's API, as a tenant administrator would; both allow 12-hour sessions,
    // so the one-hour cap can only come from the chaining rule.
    const tenantAdmin = await admin.createUser(TENANT, 'tenant-admin');
    const tenantIam = iamClient(sandbox, tenantAdmin);
    const first = await tenantIam.send(
      new CreateRoleCommand({
        RoleName: 'first-hop',
        AssumeRolePolicyDocument: JSON.stringify(trustPolicy()),
        MaxSessionDuration: 43200,
      }),
    );
    const firstArn = first.Role?.Arn ?? '';
    const second = await tenantIam.send(
      new CreateRoleCommand({
        RoleName: 'second-hop',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: firstArn }, Action: 'sts:AssumeRole' }],
        }),
        MaxSessionDuration: 43200,
      }),
    );
    const secondArn = second.Role?.Arn ?? '';
    // Long-term keys are not chaining: two hours from the first role are fine.
    const firstHop = await sts(user).send(
      new AssumeRoleCommand({
        RoleArn: firstArn,
        RoleSessionName: 'hop-1',
        ExternalId: EXTERNAL_ID,
        DurationSeconds: 7200,
      }),
    );
    assert.equal(firstHop.Credentials?.Expiration?.getTime(), now + 7200_000);
    const roleSession = sts(fromSts(firstHop.Credentials));

    const error = await rejection(
      roleSession.send(
        new AssumeRoleCommand({ RoleArn: secondArn, RoleSessionName: 'hop-2', DurationSeconds: 3601 }),
      ),
    );
    assert.equal(error.name, 'ValidationError');
    assert.equal(
      error.message,
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
    assert.equal(error.$metadata?.httpStatusCode, 400);
    // One second less is allowed: the refusal was the duration, not the trust policy.
    const secondHop = await roleSession.send(
      new AssumeRoleCommand({ RoleArn: secondArn, RoleSessionName: 'hop-2', DurationSeconds: 3600 }),
    );
    assert.equal(secondHop.AssumedRoleUser?.Arn, `arn:aws:sts::${TENANT}:assumed-role/second-hop/hop-2`);
    assert.equal(secondHop.Credentials?.Expiration?.getTime(), now + 3600_000);
  });

  it('refuses a DurationSeconds above the role’s MaxSessionDuration', async () => {
    const tenantRole = role('short');
    const error = await rejection(
      sts(user).send(
        new AssumeRoleCommand({
          RoleArn: tenantRole.arn,
          RoleSessionName: 'acme',
          ExternalId: EXTERNAL_ID,
          DurationSeconds: 7200,
        }),
      ),
    );
    assert.equal(error.name, 'ValidationError');
    assert.equal(
      error.message,
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  });

  it('validates RoleSessionName and ExternalId', async () => {
    const tenantRole = role('validated');
    for (const input of [
      { RoleSessionName: 'a', ExternalId: EXTERNAL_ID, member: 'roleSessionName' },
      { RoleSessionName: 'bad name', ExternalId: EXTERNAL_ID, member: 'roleSessionName' },
      { RoleSessionName: 'acme', ExternalId: 'tenant 42', member: 'externalId' },
      { RoleSessionName: 'acme', ExternalId: 'x', member: 'externalId' },
    ]) {
      const error = await rejection(
        sts(user).send(
          new AssumeRoleCommand({
            RoleArn: tenantRole.arn,
            RoleSessionName: input.RoleSessionName,
            ExternalId: input.ExternalId,
          }),
        ),
      );
      assert.equal(error.name, 'ValidationError', `${input.RoleSessionName} / ${input.ExternalId}`);
      assert.match(error.message, new RegExp(`at '${input.member}'`));
    }
  });

  it('requires MFA when the trust policy says so, and carries it into role sessions', async () => {
    const mfaRole = role('needs-mfa', trustPolicy({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }));
    const params = { RoleArn: mfaRole.arn, RoleSessionName: 'acme', ExternalId: EXTERNAL_ID };
    const longTerm = await rejection(sts(user).send(new AssumeRoleCommand(params)));
    assert.equal(longTerm.name, 'AccessDenied');
    const plainSession = fromSts((await sts(user).send(new GetSessionTokenCommand({}))).Credentials);
    const withoutMfa = await rejection(sts(plainSession).send(new AssumeRoleCommand(params)));
    assert.equal(withoutMfa.name, 'AccessDenied');
    const assumed = await sts(await mfaSession()).send(new AssumeRoleCommand(params));
    assert.ok(assumed.Credentials?.SessionToken);

    // A role session chains the MFA flag of the session that assumed it.
    const onward = createRole(
      sandbox.world,
      TENANT,
      {
        roleName: 'onward',
        assumeRolePolicyDocument: {
          Statement: {
            Effect: 'Allow',
            Principal: { AWS: mfaRole.arn },
            Action: 'sts:AssumeRole',
            Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
          },
        },
      },
      now,
    );
    const second = await sts(fromSts(assumed.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: onward.arn, RoleSessionName: 'hop' }),
    );
    assert.equal(second.AssumedRoleUser?.Arn, `arn:aws:sts::${TENANT}:assumed-role/onward/hop`);
  });

  it('accepts MFA given directly on AssumeRole with a long-term key', async () => {
    const mfaRole = role('direct-mfa', trustPolicy({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }));
    const assumed = await sts(user).send(
      new AssumeRoleCommand({
        RoleArn: mfaRole.arn,
        RoleSessionName: 'acme',
        ExternalId: EXTERNAL_ID,
        SerialNumber: mfa.serialNumber,
        TokenCode: totpCode(mfa.base32Secret, now),
      }),
    );
    assert.ok(assumed.Credentials?.AccessKeyId);
  });

  it('honours Deny over Allow and aws:PrincipalArn conditions', async () => {
    const other = await admin.createUser(BASE, 'intruder');
    const pinned = role('pinned', {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: BASE },
          Action: 'sts:AssumeRole',
          Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${BASE}:user/*` } },
        },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'sts:*',
          Condition: { StringNotEquals: { 'aws:PrincipalArn': user.arn } },
        },
      ],
    });
    const ok = await sts(user).send(new AssumeRoleCommand({ RoleArn: pinned.arn, RoleSessionName: 'acme' }));
    assert.ok(ok.Credentials);
    const error = await rejection(
      sts(other).send(new AssumeRoleCommand({ RoleArn: pinned.arn, RoleSessionName: 'acme' })),
    );
    assert.equal(error.name, 'AccessDenied');
    assert.match(error.message, /user\/intruder is not authorized/);
  });

  it('refuses a role younger than the IAM propagation delay', async () => {
    await admin.updateSettings({ iamPropagationMs: 5_000 });
    const fresh = role('fresh');
    const params = { RoleArn: fresh.arn, RoleSessionName: 'acme', ExternalId: EXTERNAL_ID };
    const early = await rejection(sts(user).send(new AssumeRoleCommand(params)));
    assert.equal(early.name, 'AccessDenied');
    now += 5_000;
    const later = await sts(user).send(new AssumeRoleCommand(params));
    assert.ok(later.Credentials);
  });

  it('throttles every Nth STS call with Throttling: Rate exceeded', async () => {
    await admin.updateSettings({ throttleEvery: 3 });
    const client = sts(user);
    await client.send(new GetCallerIdentityCommand({}));
    await client.send(new GetCallerIdentityCommand({}));
    const error = await rejection(client.send(new GetCallerIdentityCommand({})));
    assert.equal(error.name, 'Throttling');
    assert.equal(error.message, 'Rate exceeded');
    assert.equal((error as Error & { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode, 400);
    await client.send(new GetCallerIdentityCommand({}));
  });

  it('delays STS answers by stsLatencyMs', async () => {
    await admin.updateSettings({ stsLatencyMs: 150 });
    const started = performance.now();
    await sts(user).send(new GetCallerIdentityCommand({}));
    assert.ok(performance.now() - started >= 145);
  });

  it('counts STS calls by action in the stats', async () => {
    await admin.resetStats();
    const tenantRole = role('counted');
    const session = await mfaSession();
    await sts(session).send(
      new AssumeRoleCommand({ RoleArn: tenantRole.arn, RoleSessionName: 'a1', ExternalId: EXTERNAL_ID }),
    );
    await sts(session).send(
      new AssumeRoleCommand({ RoleArn: tenantRole.arn, RoleSessionName: 'a2', ExternalId: EXTERNAL_ID }),
    );
    await sts(session).send(new GetCallerIdentityCommand({}));
    assert.deepEqual(await admin.stats(), {
      'sts:AssumeRole': 2,
      'sts:GetCallerIdentity': 1,
      'sts:GetSessionToken': 1,
    });
  });
});
