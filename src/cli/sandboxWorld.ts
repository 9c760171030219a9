/**
 * What `skybridge dev` and `skybridge demo` set up on a fresh sandbox: the developer's account with an
 * IAM user and a virtual MFA device, a public template bucket, a tenant account with a few buckets,
 * then (over the management API) the connector and the example integrations.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { SandboxAdminClient } from '../sandbox/index.js';
import type { ApiClient } from './apiClient.js';

export interface SandboxWorldOptions {
  sandboxUrl: string;
  api: ApiClient;
  /** Integrations to register with `{ awsConnector: <connector> }`. */
  integrations: string[];
  redirectUrl: string;
  /** Buckets to create in the tenant's account. */
  tenantBuckets: string[];
  connectorName?: string;
  region?: string;
  /** How long verification retries AccessDenied while the new role propagates. */
  propagationTimeoutSeconds?: number;
  step?: (message: string) => void;
}

export interface SandboxWorldSetup {
  baseAccountId: string;
  tenantAccountId: string;
  templateBucket: string;
  connectorName: string;
  mfaSerial: string;
  check: { accountId: string; arn: string; mfa: string };
}

function s3For(
  sandboxUrl: string,
  region: string,
  keys: { accessKeyId: string; secretAccessKey: string },
): S3Client {
  return new S3Client({
    region,
    endpoint: sandboxUrl,
    forcePathStyle: true,
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
  });
}

export async function prepareSandboxWorld(options: SandboxWorldOptions): Promise<SandboxWorldSetup> {
  const step = options.step ?? (() => {});
  const region = options.region ?? 'us-east-1';
  const connectorName = options.connectorName ?? 'sandbox';
  const admin = new SandboxAdminClient(options.sandboxUrl);

  const { accountId: baseAccountId } = await admin.createAccount();
  const user = await admin.createUser(baseAccountId, 'skybridge-connector');
  const mfa = await admin.createMfaDevice(baseAccountId, 'skybridge-connector');
  step(
    `Developer account ${baseAccountId}: IAM user skybridge-connector with virtual MFA device ${mfa.serialNumber}`,
  );

  const templateBucket = `skybridge-templates-${randomBytes(4).toString('hex')}`;
  const baseS3 = s3For(options.sandboxUrl, region, user);
  try {
    await baseS3.send(new CreateBucketCommand({ Bucket: templateBucket }));
    // CloudFormation in the tenant's account reads the template anonymously: public read on objects.
    await baseS3.send(
      new PutBucketPolicyCommand({
        Bucket: templateBucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'PublicReadTemplates',
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: `arn:aws:s3:::${templateBucket}/*`,
            },
          ],
        }),
      }),
    );
  } finally {
    baseS3.destroy();
  }
  step(`Template bucket ${templateBucket} (public read of templates)`);

  const { accountId: tenantAccountId } = await admin.createAccount();
  const tenantUser = await admin.createUser(tenantAccountId, 'tenant-admin');
  const tenantS3 = s3For(options.sandboxUrl, region, tenantUser);
  try {
    for (const bucket of options.tenantBuckets)
      await tenantS3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    tenantS3.destroy();
  }
  step(
    `Tenant account ${tenantAccountId} with ${options.tenantBuckets.length} buckets: ${options.tenantBuckets.join(', ')}`,
  );

  await options.api.put(`/v1/connectors/${encodeURIComponent(connectorName)}`, {
    type: 'aws',
    bucketName: templateBucket,
    bucketPrefix: 'templates',
    defaultRegion: region,
    iam: {
      accessKeyId: user.accessKeyId,
      secretAccessKey: user.secretAccessKey,
      otpSecret: mfa.base32Secret,
      mfaSerial: mfa.serialNumber,
    },
    verify: { propagationTimeoutSeconds: options.propagationTimeoutSeconds ?? 30 },
    endpoints: {
      sts: options.sandboxUrl,
      s3: options.sandboxUrl,
      forcePathStyle: true,
      console: `${options.sandboxUrl}/_sandbox/console/cloudformation`,
    },
  });
  const check = await options.api.post<{ accountId: string; arn: string; mfa: string }>(
    `/v1/connectors/${encodeURIComponent(connectorName)}/check`,
  );
  step(`Connector "${connectorName}" configured and checked: ${check.arn}, MFA ${check.mfa}`);

  for (const integration of options.integrations) {
    await options.api.put(`/v1/integrations/${encodeURIComponent(integration)}`, {
      connectors: { awsConnector: connectorName },
      redirectUrls: [options.redirectUrl],
    });
  }
  if (options.integrations.length > 0) step(`Integrations registered: ${options.integrations.join(', ')}`);

  return {
    baseAccountId,
    tenantAccountId,
    templateBucket,
    connectorName,
    mfaSerial: mfa.serialNumber,
    check,
  };
}
