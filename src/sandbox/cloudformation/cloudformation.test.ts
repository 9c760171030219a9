// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub text, not JS templates.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
  ValidateTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { SandboxAdminClient } from '../adminClient.js';
import { createRole } from '../iamRoles.js';
import type { RunningSandbox } from '../server.js';
import {
  cloudFormationClient,
  createAccountWithUser,
  fromSts,
  iamClient,
  type Keys,
  rejection,
  s3Client,
  startTestSandbox,
  stsClient,
} from '../testing.js';

const BASE = '111122223333';
const TENANT = '012345678901';
const EXTERNAL_ID = 'skybridge-tenant-7f3c9a1e';

/** The classic cross-account template: a named role trusting the base account with an external ID. */
const CROSS_ACCOUNT_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: Lets Skybridge work in this account
Parameters:
  ExternalId:
    Type: String
    Default: ${EXTERNAL_ID}
  RoleName:
    Type: String
    Default: SkybridgeIntegrationRole
Resources:
  CrossAccountRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref RoleName
      Description: !Sub 'Skybridge access for stack \${AWS::StackName}'
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              AWS: !Sub 'arn:\${AWS::Partition}:iam::${BASE}:root'
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                sts:ExternalId: !Ref ExternalId
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
Outputs:
  RoleArn:
    Description: The role Skybridge assumes
    Value: !GetAtt CrossAccountRole.Arn
  RoleArnFromSub:
    Value: !Sub '\${CrossAccountRole.Arn}'
  Where:
    Value: !Join [':', [!Ref 'AWS::AccountId', !Ref 'AWS::Region']]
`;

describe('sandbox CloudFormation through the AWS SDK', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdminClient;
  let base: Keys;
  let tenant: Keys;
  let templateUrl: string;

  const cfn = (keys: Keys, region?: string) => cloudFormationClient(sandbox, keys, region);
  const s3 = (keys: Keys) => s3Client(sandbox, keys);
  const outputsOf = async (client: CloudFormationClient, stackName: string) => {
    const described = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries(
      (described.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]),
    );
  };

  before(async () => {
    ({ sandbox, admin } = await startTestSandbox({ port: 0 }));
  });
  after(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    await admin.reset();
    base = await createAccountWithUser(admin, BASE, 'skybridge');
    tenant = await createAccountWithUser(admin, TENANT, 'tenant-admin');
    // The base account publishes the template in a bucket whose objects anyone may read.
    const baseS3 = s3(base);
    await baseS3.send(new CreateBucketCommand({ Bucket: 'skybridge-templates' }));
    await baseS3.send(
      new PutBucketPolicyCommand({
        Bucket: 'skybridge-templates',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::skybridge-templates/*',
            },
          ],
        }),
      }),
    );
    await baseS3.send(
      new PutObjectCommand({
        Bucket: 'skybridge-templates',
        Key: 'tenants/t1/role.yaml',
        Body: CROSS_ACCOUNT_TEMPLATE,
      }),
    );
    templateUrl = `${sandbox.url}/skybridge-templates/tenants/t1/role.yaml`;
  });

  it('creates the cross-account role in the tenant account from a public TemplateURL and outputs its ARN', async () => {
    const client = cfn(tenant);
    const created = await client.send(
      new CreateStackCommand({
        StackName: 'skybridge',
        TemplateURL: templateUrl,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    assert.match(
      created.StackId ?? '',
      new RegExp(`^arn:aws:cloudformation:us-east-1:${TENANT}:stack/skybridge/[0-9a-f-]{36}$`),
    );

    const described = await client.send(new DescribeStacksCommand({ StackName: 'skybridge' }));
    const stack = described.Stacks?.[0];
    assert.equal(stack?.StackStatus, 'CREATE_COMPLETE');
    assert.equal(stack?.StackId, created.StackId);
    assert.deepEqual(stack?.Capabilities, ['CAPABILITY_NAMED_IAM']);
    assert.deepEqual(
      stack?.Parameters?.map((parameter) => [parameter.ParameterKey, parameter.ParameterValue]),
      [
        ['ExternalId', EXTERNAL_ID],
        ['RoleName', 'SkybridgeIntegrationRole'],
      ],
    );
    const roleArn = `arn:aws:iam::${TENANT}:role/SkybridgeIntegrationRole`;
    assert.deepEqual(await outputsOf(client, 'skybridge'), {
      RoleArn: roleArn,
      RoleArnFromSub: roleArn,
      Where: `${TENANT}:us-east-1`,
    });
    assert.equal(
      stack?.Outputs?.find((output) => output.OutputKey === 'RoleArn')?.Description,
      'The role Skybridge assumes',
    );

    const role = sandbox.world.accounts.get(TENANT)?.roles.get('SkybridgeIntegrationRole');
    assert.equal(role?.arn, roleArn);
    assert.equal(role?.stackId, created.StackId);
    assert.deepEqual(role?.managedPolicyArns, ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']);
    const resources = await client.send(new DescribeStackResourcesCommand({ StackName: 'skybridge' }));
    assert.deepEqual(
      resources.StackResources?.map((resource) => [
        resource.LogicalResourceId,
        resource.PhysicalResourceId,
        resource.ResourceType,
      ]),
      [['CrossAccountRole', 'SkybridgeIntegrationRole', 'AWS::IAM::Role']],
    );
  });

  it('lets the base account assume the created role only with the right external ID', async () => {
    await cfn(tenant).send(
      new CreateStackCommand({
        StackName: 'skybridge',
        TemplateURL: templateUrl,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const sts = stsClient(sandbox, base);
    const roleArn = `arn:aws:iam::${TENANT}:role/SkybridgeIntegrationRole`;
    const wrong = await rejection(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'skybridge',
          ExternalId: 'wrong-external-id',
        }),
      ),
    );
    assert.equal(wrong.name, 'AccessDenied');
    const missing = await rejection(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'skybridge' })),
    );
    assert.equal(missing.name, 'AccessDenied');
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'skybridge', ExternalId: EXTERNAL_ID }),
    );
    const session = stsClient(sandbox, {
      accessKeyId: assumed.Credentials?.AccessKeyId ?? '',
      secretAccessKey: assumed.Credentials?.SecretAccessKey ?? '',
      sessionToken: assumed.Credentials?.SessionToken ?? '',
    });
    const identity = await session.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, TENANT);
    assert.equal(identity.Arn, `arn:aws:sts::${TENANT}:assumed-role/SkybridgeIntegrationRole/skybridge`);
  });

  it('reads AWS-shaped S3 URLs from the sandbox world', async () => {
    const client = cfn(tenant);
    const urls = [
      'https://skybridge-templates.s3.us-east-1.amazonaws.com/tenants/t1/role.yaml',
      'https://s3.amazonaws.com/skybridge-templates/tenants/t1/role.yaml',
    ];
    for (const [index, url] of urls.entries()) {
      await client.send(
        new CreateStackCommand({
          StackName: `aws-shaped-${index}`,
          TemplateURL: url,
          Parameters: [{ ParameterKey: 'RoleName', ParameterValue: `role-${index}` }],
          Capabilities: ['CAPABILITY_NAMED_IAM'],
        }),
      );
      assert.equal(
        (await outputsOf(client, `aws-shaped-${index}`)).RoleArn,
        `arn:aws:iam::${TENANT}:role/role-${index}`,
      );
    }
  });

  it('refuses a template the tenant cannot read, and lets the bucket owner read its own', async () => {
    const baseS3 = s3(base);
    await baseS3.send(new CreateBucketCommand({ Bucket: 'private-templates' }));
    await baseS3.send(
      new PutObjectCommand({ Bucket: 'private-templates', Key: 'role.yaml', Body: CROSS_ACCOUNT_TEMPLATE }),
    );
    const privateUrl = `${sandbox.url}/private-templates/role.yaml`;
    for (const url of [
      privateUrl,
      `${sandbox.url}/skybridge-templates/missing.yaml`,
      'https://example.com/role.yaml',
    ]) {
      const error = await rejection(
        cfn(tenant).send(
          new CreateStackCommand({
            StackName: 'denied',
            TemplateURL: url,
            Capabilities: ['CAPABILITY_NAMED_IAM'],
          }),
        ),
      );
      assert.equal(error.name, 'ValidationError', url);
      assert.equal(error.message, 'TemplateURL must reference a valid S3 object to which you have access.');
    }
    const own = await cfn(base).send(
      new CreateStackCommand({
        StackName: 'own',
        TemplateURL: privateUrl,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    assert.ok(own.StackId);
  });

  it('requires CAPABILITY_NAMED_IAM for a named role and CAPABILITY_IAM for an unnamed one', async () => {
    const client = cfn(tenant);
    const none = await rejection(
      client.send(new CreateStackCommand({ StackName: 'no-caps', TemplateURL: templateUrl })),
    );
    assert.equal(none.name, 'InsufficientCapabilitiesException');
    assert.equal(none.message, 'Requires capabilities : [CAPABILITY_NAMED_IAM]');
    const onlyIam = await rejection(
      client.send(
        new CreateStackCommand({
          StackName: 'iam-caps',
          TemplateURL: templateUrl,
          Capabilities: ['CAPABILITY_IAM'],
        }),
      ),
    );
    assert.equal(onlyIam.name, 'InsufficientCapabilitiesException');
    assert.equal(sandbox.world.accounts.get(TENANT)?.roles.size, 0);

    const unnamed = `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { AWS: '${BASE}' }, Action: 'sts:AssumeRole' }] }
Outputs:
  Name: { Value: !Ref Role }
`;
    const withoutCaps = await rejection(
      client.send(new CreateStackCommand({ StackName: 'unnamed', TemplateBody: unnamed })),
    );
    assert.equal(withoutCaps.message, 'Requires capabilities : [CAPABILITY_IAM]');
    await client.send(
      new CreateStackCommand({
        StackName: 'unnamed',
        TemplateBody: unnamed,
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const name = (await outputsOf(client, 'unnamed')).Name ?? '';
    assert.match(name, /^unnamed-Role-[A-Z0-9]{12}$/);
    assert.ok(sandbox.world.accounts.get(TENANT)?.roles.has(name));
  });

  it('refuses a second live stack of the same name, a bad stack name and a missing parameter', async () => {
    const client = cfn(tenant);
    const input = {
      StackName: 'skybridge',
      TemplateURL: templateUrl,
      Capabilities: ['CAPABILITY_NAMED_IAM' as const],
    };
    await client.send(new CreateStackCommand(input));
    const again = await rejection(client.send(new CreateStackCommand(input)));
    assert.equal(again.name, 'AlreadyExistsException');
    assert.equal(again.message, 'Stack [skybridge] already exists');
    // Stacks are regional: the same name in another region is another stack (the role name is not).
    const elsewhere = await cfn(tenant, 'eu-west-1').send(
      new CreateStackCommand({
        ...input,
        Parameters: [{ ParameterKey: 'RoleName', ParameterValue: 'EuRole' }],
      }),
    );
    assert.match(elsewhere.StackId ?? '', /^arn:aws:cloudformation:eu-west-1:/);

    const badName = await rejection(
      client.send(new CreateStackCommand({ ...input, StackName: '1-starts-with-digit' })),
    );
    assert.equal(badName.name, 'ValidationError');
    assert.match(
      badName.message,
      /Member must satisfy regular expression pattern: \[a-zA-Z\]\[-a-zA-Z0-9\]\*/,
    );

    const required = `Parameters:
  ExternalId: { Type: String }
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { AWS: '${BASE}' }, Action: 'sts:AssumeRole' }] }
`;
    const missing = await rejection(
      client.send(
        new CreateStackCommand({
          StackName: 'needs-param',
          TemplateBody: required,
          Capabilities: ['CAPABILITY_IAM'],
        }),
      ),
    );
    assert.equal(missing.name, 'ValidationError');
    assert.equal(missing.message, 'Parameters: [ExternalId] must have values');
    const both = await rejection(
      client.send(
        new CreateStackCommand({ StackName: 'both', TemplateBody: required, TemplateURL: templateUrl }),
      ),
    );
    assert.equal(both.name, 'ValidationError');
  });

  it('rolls back everything it created when a role cannot be created', async () => {
    createRole(
      sandbox.world,
      TENANT,
      {
        roleName: 'Taken',
        assumeRolePolicyDocument: {
          Statement: [{ Effect: 'Allow', Principal: { AWS: BASE }, Action: 'sts:AssumeRole' }],
        },
      },
      Date.now(),
    );
    const template = `Resources:
  First:
    Type: AWS::IAM::Role
    Properties:
      RoleName: FirstRole
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { AWS: '${BASE}' }, Action: 'sts:AssumeRole' }] }
  Second:
    Type: AWS::IAM::Role
    DependsOn: First
    Properties:
      RoleName: Taken
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { AWS: '${BASE}' }, Action: 'sts:AssumeRole' }] }
`;
    const client = cfn(tenant);
    await client.send(
      new CreateStackCommand({
        StackName: 'clash',
        TemplateBody: template,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const stack = (await client.send(new DescribeStacksCommand({ StackName: 'clash' }))).Stacks?.[0];
    assert.equal(stack?.StackStatus, 'ROLLBACK_COMPLETE');
    assert.match(
      stack?.StackStatusReason ?? '',
      /^The following resource\(s\) failed to create: \[Second\]\. Second: Role with name Taken already exists/,
    );
    assert.match(stack?.StackStatusReason ?? '', /EntityAlreadyExists/);
    const roles = sandbox.world.accounts.get(TENANT)?.roles;
    assert.equal(roles?.has('FirstRole'), false, 'the first role was rolled back');
    assert.equal(roles?.has('Taken'), true, 'the existing role is untouched');

    const badTrust = template
      .replace('RoleName: Taken', 'RoleName: Fresh')
      .replace(
        /AWS: '111122223333' \}, Action: 'sts:AssumeRole' \}\] \}\n$/,
        "AWS: 'arn:aws:iam::999999999999:user/ghost' }, Action: 'sts:AssumeRole' }] }\n",
      );
    await client.send(
      new CreateStackCommand({
        StackName: 'bad-trust',
        TemplateBody: badTrust,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const failed = (await client.send(new DescribeStacksCommand({ StackName: 'bad-trust' }))).Stacks?.[0];
    assert.equal(failed?.StackStatus, 'ROLLBACK_COMPLETE');
    assert.match(
      failed?.StackStatusReason ?? '',
      /Second: Invalid principal in policy.*MalformedPolicyDocument/,
    );
  });

  it('creates a role with Path, MaxSessionDuration, inline Policies and ManagedPolicyArns, and enforces them', async () => {
    const trust = `
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { AWS: 'arn:aws:iam::${BASE}:root' }
            Action: sts:AssumeRole
            Condition: { StringEquals: { 'sts:ExternalId': ${EXTERNAL_ID} } }`;
    // Grants a write the read-only managed policy does not, and denies a read it does.
    const uploadsPolicy = `
        - PolicyName: uploads
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: s3:PutObject
                Resource: arn:aws:s3:::acme-data/uploads/*
              - Effect: Deny
                Action: s3:GetObject
                Resource: arn:aws:s3:::acme-data/private/*`;
    const template = `Resources:
  ConnectorRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: acme-connector
      Path: /integrations/acme/
      MaxSessionDuration: 7200
      AssumeRolePolicyDocument:${trust}
      Policies:${uploadsPolicy}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
  UploadsOnlyRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: acme-uploads-only
      AssumeRolePolicyDocument:${trust}
      Policies:${uploadsPolicy}
  ListerRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: acme-lister
      AssumeRolePolicyDocument:${trust}
      Policies:
        - PolicyName: listing
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: s3:ListAllMyBuckets
                Resource: '*'
Outputs:
  RoleArn: { Value: !GetAtt ConnectorRole.Arn }
`;
    const client = cfn(tenant);
    await client.send(
      new CreateStackCommand({
        StackName: 'acme',
        TemplateBody: template,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const stack = (await client.send(new DescribeStacksCommand({ StackName: 'acme' }))).Stacks?.[0];
    assert.equal(stack?.StackStatus, 'CREATE_COMPLETE', stack?.StackStatusReason);
    const roleArn = `arn:aws:iam::${TENANT}:role/integrations/acme/acme-connector`;
    assert.equal((await outputsOf(client, 'acme')).RoleArn, roleArn);

    // What IAM's own API says about the role the stack made.
    const read = await iamClient(sandbox, tenant).send(new GetRoleCommand({ RoleName: 'acme-connector' }));
    assert.equal(read.Role?.Path, '/integrations/acme/');
    assert.equal(read.Role?.Arn, roleArn);
    assert.equal(read.Role?.MaxSessionDuration, 7200);

    // MaxSessionDuration bounds AssumeRole from the base user's long-term keys (no chaining).
    const sts = stsClient(sandbox, base);
    const assume = (RoleArn: string, DurationSeconds?: number) =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn,
          RoleSessionName: 'skybridge',
          ExternalId: EXTERNAL_ID,
          DurationSeconds,
        }),
      );
    const askedAt = Date.now();
    const twoHours = await assume(roleArn, 7200);
    const expiration = twoHours.Credentials?.Expiration?.getTime() ?? 0;
    assert.ok(
      expiration >= askedAt + 7200_000 - 1_000 && expiration <= Date.now() + 7200_000 + 1_000,
      `two hours from now, got ${new Date(expiration).toISOString()}`,
    );
    const tooLong = await rejection(assume(roleArn, 7201));
    assert.equal(tooLong.name, 'ValidationError');
    assert.equal(
      tooLong.message,
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );

    // The tenant's data, written with the tenant's own keys.
    const tenantS3 = s3(tenant);
    await tenantS3.send(new CreateBucketCommand({ Bucket: 'acme-data' }));
    await tenantS3.send(new PutObjectCommand({ Bucket: 'acme-data', Key: 'public.txt', Body: 'public' }));
    await tenantS3.send(new PutObjectCommand({ Bucket: 'acme-data', Key: 'private/key.txt', Body: 'key' }));

    const connector = s3(fromSts(twoHours.Credentials));
    const listed = await connector.send(new ListBucketsCommand({}));
    assert.deepEqual(
      listed.Buckets?.map((bucket) => bucket.Name),
      ['acme-data'],
    );
    const got = await connector.send(new GetObjectCommand({ Bucket: 'acme-data', Key: 'public.txt' }));
    assert.equal(await got.Body?.transformToString(), 'public');
    const denied = await rejection(
      connector.send(new GetObjectCommand({ Bucket: 'acme-data', Key: 'private/key.txt' })),
    );
    assert.equal(denied.name, 'AccessDenied', 'the inline Deny beats the managed Allow');
    await connector.send(new PutObjectCommand({ Bucket: 'acme-data', Key: 'uploads/a.txt', Body: 'a' }));
    const outside = await rejection(
      connector.send(new PutObjectCommand({ Bucket: 'acme-data', Key: 'b.txt', Body: 'b' })),
    );
    assert.equal(outside.name, 'AccessDenied', 'neither policy allows writing outside uploads/');

    // Without the managed policy nothing allows s3:ListAllMyBuckets: the same call is refused.
    const uploadsOnly = s3(
      fromSts((await assume(`arn:aws:iam::${TENANT}:role/acme-uploads-only`)).Credentials),
    );
    const notListed = await rejection(uploadsOnly.send(new ListBucketsCommand({})));
    assert.equal(notListed.name, 'AccessDenied');
    await uploadsOnly.send(new PutObjectCommand({ Bucket: 'acme-data', Key: 'uploads/c.txt', Body: 'c' }));

    // An inline policy alone that allows s3:ListAllMyBuckets lets the role list, and nothing more.
    const lister = s3(fromSts((await assume(`arn:aws:iam::${TENANT}:role/acme-lister`)).Credentials));
    assert.deepEqual(
      (await lister.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name),
      ['acme-data'],
    );
    const listerWrite = await rejection(
      lister.send(new PutObjectCommand({ Bucket: 'acme-data', Key: 'uploads/d.txt', Body: 'd' })),
    );
    assert.equal(listerWrite.name, 'AccessDenied');
  });

  it('fails the stack on a resource type the sandbox does not create', async () => {
    const template = `Resources:
  Topic:
    Type: AWS::SNS::Topic
`;
    const client = cfn(tenant);
    await client.send(new CreateStackCommand({ StackName: 'sns', TemplateBody: template }));
    const stack = (await client.send(new DescribeStacksCommand({ StackName: 'sns' }))).Stacks?.[0];
    assert.equal(stack?.StackStatus, 'ROLLBACK_COMPLETE');
    assert.match(
      stack?.StackStatusReason ?? '',
      /\[Topic\]\. Topic: Resource type AWS::SNS::Topic is not supported by the Skybridge sandbox/,
    );
  });

  it('attaches an AWS::IAM::Policy to a role from a JSON template', async () => {
    const template = JSON.stringify({
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: 'reader',
            AssumeRolePolicyDocument: {
              Statement: [{ Effect: 'Allow', Principal: { AWS: BASE }, Action: 'sts:AssumeRole' }],
            },
          },
        },
        ReadPolicy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyName: 'read-bucket',
            Roles: [{ Ref: 'Role' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 's3:GetObject',
                  Resource: {
                    'Fn::Join': ['', ['arn:aws:s3:::', { 'Fn::Select': [0, ['data', 'other']] }, '/*']],
                  },
                },
              ],
            },
          },
        },
      },
    });
    const client = cfn(tenant);
    await client.send(
      new CreateStackCommand({
        StackName: 'json',
        TemplateBody: template,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const role = sandbox.world.accounts.get(TENANT)?.roles.get('reader');
    assert.deepEqual(role?.inlinePolicies.get('read-bucket'), {
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }],
    });
    await client.send(new DeleteStackCommand({ StackName: 'json' }));
    assert.equal(sandbox.world.accounts.get(TENANT)?.roles.has('reader'), false);
  });

  it('validates a template and returns a stack template as created', async () => {
    const client = cfn(tenant);
    const validated = await client.send(new ValidateTemplateCommand({ TemplateURL: templateUrl }));
    assert.equal(validated.Description, 'Lets Skybridge work in this account');
    assert.deepEqual(validated.Capabilities, ['CAPABILITY_NAMED_IAM']);
    assert.equal(
      validated.CapabilitiesReason,
      'The following resource(s) require capabilities: [CrossAccountRole]',
    );
    assert.deepEqual(
      validated.Parameters?.map((parameter) => [parameter.ParameterKey, parameter.DefaultValue]),
      [
        ['ExternalId', EXTERNAL_ID],
        ['RoleName', 'SkybridgeIntegrationRole'],
      ],
    );
    await client.send(
      new CreateStackCommand({
        StackName: 'kept',
        TemplateURL: templateUrl,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const template = await client.send(new GetTemplateCommand({ StackName: 'kept' }));
    assert.equal(template.TemplateBody, CROSS_ACCOUNT_TEMPLATE);
  });

  it('describes stacks by name, by id and all at once, and deletes them with their roles', async () => {
    const client = cfn(tenant);
    const created = await client.send(
      new CreateStackCommand({
        StackName: 'skybridge',
        TemplateURL: templateUrl,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    const byId = await client.send(new DescribeStacksCommand({ StackName: created.StackId }));
    assert.equal(byId.Stacks?.[0]?.StackName, 'skybridge');
    const all = await client.send(new DescribeStacksCommand({}));
    assert.deepEqual(
      all.Stacks?.map((stack) => stack.StackName),
      ['skybridge'],
    );
    const fromBase = await cfn(base).send(new DescribeStacksCommand({}));
    assert.deepEqual(fromBase.Stacks ?? [], []);
    const unknown = await rejection(client.send(new DescribeStacksCommand({ StackName: 'nope' })));
    assert.equal(unknown.name, 'ValidationError');
    assert.equal(unknown.message, 'Stack with id nope does not exist');

    await client.send(new DeleteStackCommand({ StackName: 'skybridge' }));
    assert.equal(sandbox.world.accounts.get(TENANT)?.roles.has('SkybridgeIntegrationRole'), false);
    const gone = await rejection(client.send(new DescribeStacksCommand({ StackName: 'skybridge' })));
    assert.equal(gone.message, 'Stack with id skybridge does not exist');
    const deleted = await client.send(new DescribeStacksCommand({ StackName: created.StackId }));
    assert.equal(deleted.Stacks?.[0]?.StackStatus, 'DELETE_COMPLETE');
    const listed = await client.send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }));
    assert.deepEqual(
      listed.StackSummaries?.map((summary) => summary.StackId),
      [created.StackId],
    );
    // AWS answers success for a stack that does not exist.
    await client.send(new DeleteStackCommand({ StackName: 'never-existed' }));
    // And the name is free again.
    await client.send(
      new CreateStackCommand({
        StackName: 'skybridge',
        TemplateURL: templateUrl,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
  });
});
