import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  GetRoleCommand,
  ListRolesCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import type { SandboxAdminClient } from './adminClient.js';
import { createRole, deleteRole } from './iamRoles.js';
import { AwsError } from './protocol.js';
import type { RunningSandbox } from './server.js';
import {
  createAccountWithUser,
  iamClient,
  type Keys,
  rejection,
  startTestSandbox,
  stsClient,
} from './testing.js';

const BASE = '111122223333';
const TENANT = '012345678901';
const strictTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${BASE}:root` },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'ext-1234567890' } },
    },
  ],
});

describe('sandbox IAM', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdminClient;
  let tenantAdmin: Keys;
  let connector: Keys;

  const iam = (credentials: Keys) => iamClient(sandbox, credentials);
  const sts = (credentials: Keys) => stsClient(sandbox, credentials);
  const assume = (roleName: string, externalId?: string) =>
    sts(connector).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${TENANT}:role/${roleName}`,
        RoleSessionName: 'check',
        ExternalId: externalId,
      }),
    );

  before(async () => {
    ({ sandbox, admin } = await startTestSandbox());
  });
  after(() => sandbox.close());
  beforeEach(async () => {
    await admin.reset();
    connector = await createAccountWithUser(admin, BASE, 'connector');
    tenantAdmin = await createAccountWithUser(admin, TENANT, 'admin');
  });

  it('creates, reads and lists roles in the caller’s account', async () => {
    const created = await iam(tenantAdmin).send(
      new CreateRoleCommand({
        RoleName: 'reader',
        Path: '/integrations/acme/',
        AssumeRolePolicyDocument: strictTrust,
        MaxSessionDuration: 7200,
      }),
    );
    assert.equal(created.Role?.Arn, `arn:aws:iam::${TENANT}:role/integrations/acme/reader`);
    const read = await iam(tenantAdmin).send(new GetRoleCommand({ RoleName: 'reader' }));
    assert.equal(read.Role?.MaxSessionDuration, 7200);
    assert.equal(read.Role?.Path, '/integrations/acme/');
    assert.match(read.Role?.RoleId ?? '', /^AROA/);
    assert.deepEqual(
      JSON.parse(decodeURIComponent(read.Role?.AssumeRolePolicyDocument ?? '')),
      JSON.parse(strictTrust),
    );
    const listed = await iam(tenantAdmin).send(new ListRolesCommand({}));
    assert.deepEqual(
      listed.Roles?.map((role) => role.RoleName),
      ['reader'],
    );
    // Roles live in their own account only.
    const fromBase = await iam(connector).send(new ListRolesCommand({}));
    assert.deepEqual(fromBase.Roles, []);
  });

  it('lets a tenant loosen the trust policy, after which no external ID is needed', async () => {
    createRole(
      sandbox.world,
      TENANT,
      { roleName: 'connector-role', assumeRolePolicyDocument: strictTrust },
      Date.now(),
    );
    assert.equal((await rejection(assume('connector-role'))).name, 'AccessDenied');
    await iam(tenantAdmin).send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'connector-role',
        PolicyDocument: JSON.stringify({
          Statement: [{ Effect: 'Allow', Principal: { AWS: BASE }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    assert.ok((await assume('connector-role')).Credentials);
  });

  it('deletes roles, after which AssumeRole is refused, and reports a missing role as NoSuchEntity', async () => {
    createRole(
      sandbox.world,
      TENANT,
      { roleName: 'gone', assumeRolePolicyDocument: strictTrust },
      Date.now(),
    );
    assert.ok((await assume('gone', 'ext-1234567890')).Credentials);
    await iam(tenantAdmin).send(new DeleteRoleCommand({ RoleName: 'gone' }));
    assert.equal((await rejection(assume('gone', 'ext-1234567890'))).name, 'AccessDenied');
    const missing = await rejection(iam(tenantAdmin).send(new DeleteRoleCommand({ RoleName: 'gone' })));
    // The IAM client models this error, so its name carries the SDK's suffix, as against AWS.
    assert.equal(missing.name, 'NoSuchEntityException');
    assert.equal((missing as Error & { Code?: string }).Code, 'NoSuchEntity');
    assert.equal(missing.message, 'The role with name gone cannot be found.');
  });

  it('refuses IAM calls from a session obtained without MFA with InvalidClientTokenId, as AWS does', async () => {
    const session = (await sts(tenantAdmin).send(new GetSessionTokenCommand({}))).Credentials!;
    const error = await rejection(
      iam({
        accessKeyId: session.AccessKeyId!,
        secretAccessKey: session.SecretAccessKey!,
        sessionToken: session.SessionToken!,
      }).send(new ListRolesCommand({})),
    );
    assert.equal(error.name, 'InvalidClientTokenId');
    assert.equal(error.message, 'The security token included in the request is invalid');
  });

  it('validates roles as IAM does in createRole()', () => {
    const world = sandbox.world;
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        assert.ok(error instanceof AwsError);
        return `${error.code}: ${error.message}`;
      }
      assert.fail('expected createRole to throw');
    };
    createRole(world, TENANT, { roleName: 'taken', assumeRolePolicyDocument: strictTrust }, 0);
    assert.equal(
      codeOf(() =>
        createRole(world, TENANT, { roleName: 'taken', assumeRolePolicyDocument: strictTrust }, 0),
      ),
      'EntityAlreadyExists: Role with name taken already exists.',
    );
    const ghost = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${BASE}:user/ghost` }, Action: 'sts:AssumeRole' },
      ],
    });
    assert.match(
      codeOf(() => createRole(world, TENANT, { roleName: 'ghostly', assumeRolePolicyDocument: ghost }, 0)),
      /^MalformedPolicyDocument: Invalid principal in policy/,
    );
    const real = ghost.replace('user/ghost', 'user/connector');
    assert.equal(
      createRole(world, TENANT, { roleName: 'pinned', assumeRolePolicyDocument: real }, 0).roleName,
      'pinned',
    );
    assert.match(
      codeOf(() => createRole(world, TENANT, { roleName: 'x', assumeRolePolicyDocument: '{not json' }, 0)),
      /^MalformedPolicyDocument/,
    );
    assert.match(
      codeOf(() =>
        createRole(
          world,
          TENANT,
          { roleName: 'x', path: 'no-slash', assumeRolePolicyDocument: strictTrust },
          0,
        ),
      ),
      /^ValidationError.*'path'/,
    );
    assert.match(
      codeOf(() =>
        createRole(world, TENANT, { roleName: 'bad name', assumeRolePolicyDocument: strictTrust }, 0),
      ),
      /^ValidationError.*'roleName'/,
    );
    assert.match(
      codeOf(() =>
        createRole(
          world,
          TENANT,
          { roleName: 'x', maxSessionDuration: 43201, assumeRolePolicyDocument: strictTrust },
          0,
        ),
      ),
      /^ValidationError.*'maxSessionDuration'/,
    );
    assert.match(
      codeOf(() => deleteRole(world, TENANT, 'nobody')),
      /^NoSuchEntity/,
    );
    assert.equal(deleteRole(world, TENANT, 'taken').roleName, 'taken');
  });
});
