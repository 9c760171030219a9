/**
 * The engine's acceptance journey (issue "The AWS connector engine"): a base user with MFA, two
 * tenant accounts whose roles come from CloudFormation stacks launched from OUR rendered and
 * published templates, and credentials for each tenant that see only that tenant's buckets.
 * Everything goes through the real AWS SDK against the sandbox; nothing is created behind its back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutBucketPolicyCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsConnector } from './awsConnector.js';
import { MemoryEngineStore } from './engineStore.js';
import { generateExternalId } from './externalId.js';
import { BASE_ACCOUNT, StsSandbox } from './stsSandbox.fixture.js';
import type { TenantIdentity } from './tenantIdentity.js';

const TEMPLATE_BUCKET = 'skybridge-templates';

interface Tenant {
  tenantId: string;
  accountId: string;
  region: string;
  buckets: string[];
  keys: { accessKeyId: string; secretAccessKey: string };
  identity?: TenantIdentity;
}

describe('engine acceptance: two tenants installed from rendered templates', () => {
  let sts: StsSandbox;
  let connector: AwsConnector;
  const tenants: Tenant[] = [
    // A leading zero must survive rendering, publishing, the stack and the role ARN.
    {
      tenantId: 'acme',
      accountId: '012345678901',
      region: 'us-east-1',
      buckets: ['acme-invoices', 'acme-reports'],
      keys: { accessKeyId: '', secretAccessKey: '' },
    },
    {
      tenantId: 'globex',
      accountId: '210987654321',
      region: 'eu-west-1',
      buckets: ['globex-logs'],
      keys: { accessKeyId: '', secretAccessKey: '' },
    },
  ];

  const s3For = (
    region: string,
    credentials: S3Client['config']['credentials'] | { accessKeyId: string; secretAccessKey: string },
  ) => new S3Client({ region, endpoint: sts.url, forcePathStyle: true, credentials, maxAttempts: 1 });

  before(async () => {
    sts = await StsSandbox.start({ iamPropagationMs: 200 });
    // Our template bucket, publicly readable as the README tells developers to set it up.
    const baseS3 = s3For('us-east-1', {
      accessKeyId: sts.user.accessKeyId,
      secretAccessKey: sts.user.secretAccessKey,
    });
    await baseS3.send(new CreateBucketCommand({ Bucket: TEMPLATE_BUCKET }));
    await baseS3.send(
      new PutBucketPolicyCommand({
        Bucket: TEMPLATE_BUCKET,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: `arn:aws:s3:::${TEMPLATE_BUCKET}/*`,
            },
          ],
        }),
      }),
    );
    for (const tenant of tenants) {
      await sts.createAccount(tenant.accountId);
      tenant.keys = await sts.admin.createUser(tenant.accountId, 'tenant-admin');
      const tenantS3 = s3For(tenant.region, tenant.keys);
      for (const bucket of tenant.buckets) {
        await tenantS3.send(
          new CreateBucketCommand({
            Bucket: bucket,
            ...(tenant.region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: tenant.region as 'eu-west-1' } }),
          }),
        );
      }
    }
    connector = new AwsConnector({
      name: 'awsConnector',
      config: sts.config({ bucketName: TEMPLATE_BUCKET, verify: { propagationTimeoutSeconds: 10 } }),
      store: new MemoryEngineStore(),
    });
  });

  after(async () => {
    await sts.close();
  });

  it('renders, publishes and launches a stack per tenant, then verifies each role', async () => {
    for (const [index, tenant] of tenants.entries()) {
      const externalId = generateExternalId();
      const prepared = await connector.prepareInstall({
        sessionId: `session_for_tenant_${index}_0123456789`,
        accountId: tenant.accountId,
        region: tenant.region,
        externalId,
      });
      assert.equal(prepared.roleArn, `arn:aws:iam::${tenant.accountId}:role/skybridge-connector-role`);
      // The published object is the rendered template: our account, the tenant's external id.
      const published = await s3For('us-east-1', {
        accessKeyId: sts.user.accessKeyId,
        secretAccessKey: sts.user.secretAccessKey,
      }).send(
        new GetObjectCommand({
          Bucket: TEMPLATE_BUCKET,
          Key: `templates/session_for_tenant_${index}_0123456789.yaml`,
        }),
      );
      const body = await published.Body!.transformToString();
      assert.equal(body, prepared.templateBody);
      assert.match(body, new RegExp(`arn:aws:iam::${BASE_ACCOUNT}:root`));
      assert.ok(body.includes(externalId), 'the template carries the tenant external id');

      // The tenant launches the stack from the template URL, in its own account, as the console would.
      const cloudFormation = new CloudFormationClient({
        region: tenant.region,
        endpoint: sts.url,
        credentials: tenant.keys,
        maxAttempts: 1,
      });
      await cloudFormation.send(
        new CreateStackCommand({
          StackName: prepared.stackName,
          TemplateURL: prepared.templateUrl,
          Capabilities: ['CAPABILITY_NAMED_IAM'],
        }),
      );
      const described = await cloudFormation.send(
        new DescribeStacksCommand({ StackName: prepared.stackName }),
      );
      const stack = described.Stacks?.[0];
      assert.equal(stack?.StackStatus, 'CREATE_COMPLETE');
      assert.equal(stack?.Outputs?.find((o) => o.OutputKey === 'RoleArn')?.OutputValue, prepared.roleArn);

      tenant.identity = {
        id: `identity_${tenant.tenantId}`,
        connector: 'awsConnector',
        tenantId: tenant.tenantId,
        installId: `inst_${tenant.tenantId}`,
        accountId: tenant.accountId,
        region: tenant.region,
        roleArn: prepared.roleArn,
        externalId,
      };
      const verified = await connector.verify(tenant.identity);
      assert.equal(verified.accountId, tenant.accountId);
      assert.equal(verified.roleArn, prepared.roleArn);
      await connector.removeTemplate(`session_for_tenant_${index}_0123456789`);
    }
  });

  it("gives each tenant credentials that list exactly that tenant's buckets", async () => {
    for (const tenant of tenants) {
      const s3 = s3For(tenant.region, connector.credentialProvider(tenant.identity!));
      const listed = await s3.send(new ListBucketsCommand({}));
      assert.deepEqual(listed.Buckets?.map((b) => b.Name).sort(), [...tenant.buckets].sort());
      const credentials = await connector.getCredentials(tenant.identity!);
      assert.equal(credentials.region, tenant.region);
      assert.ok(credentials.expiration.getTime() > Date.now());
    }
  });

  it("refuses one tenant's role to another tenant's external id", async () => {
    const [acme, globex] = tenants;
    const sessionCredentials = await connector.getCredentials(acme!.identity!);
    assert.ok(sessionCredentials.sessionToken);
    const baseSts = new STSClient({
      region: 'us-east-1',
      endpoint: sts.url,
      credentials: { accessKeyId: sts.user.accessKeyId, secretAccessKey: sts.user.secretAccessKey },
      maxAttempts: 1,
    });
    await assert.rejects(
      baseSts.send(
        new AssumeRoleCommand({
          RoleArn: acme!.identity!.roleArn,
          RoleSessionName: 'cross-tenant',
          ExternalId: globex!.identity!.externalId,
        }),
      ),
      (error: Error) => error.name === 'AccessDenied',
    );
  });
});
