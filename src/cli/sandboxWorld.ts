/**
 * What `skybridge dev`, `skybridge demo` and the test journeys set up on a fresh sandbox: the
 * developer's account with an IAM user (and a virtual MFA device), a public template bucket, a tenant
 * account with its own IAM user and a few buckets; then (over the management API) the connector and
 * the integrations. `createSandboxAccounts` and `sandboxConnectorConfig` are the parts test/support
 * reuses with its own server.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { SandboxAdminClient, type SandboxMfaDevice, type SandboxUserKeys } from '../sandbox/index.js';
import type { ApiClient } from './apiClient.js';

export interface SandboxAccountsOptions {
  sandboxUrl: string;
  region?: string;
  /** The developer's IAM user (default `skybridge-connector`). */
  baseUserName?: string;
  /** Give that user a virtual MFA device (default true). */
  mfa?: boolean;
  /** Buckets to create in the tenant's account (default none). */
  tenantBuckets?: string[];
  step?: (message: string) => void;
}

export interface SandboxAccounts {
  base: { accountId: string; user: SandboxUserKeys; mfa?: SandboxMfaDevice };
  tenant: { accountId: string; user: SandboxUserKeys };
  /** In the base account, public read of objects (the tenant's CloudFormation reads templates anonymously). */
  templateBucket: string;
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

/** The two AWS accounts of a journey, made through the sandbox's admin API and real S3 calls. */
export async function createSandboxAccounts(options: SandboxAccountsOptions): Promise<SandboxAccounts> {
  const step = options.step ?? (() => {});
  const region = options.region ?? 'us-east-1';
  const userName = options.baseUserName ?? 'skybridge-connector';
  const tenantBuckets = options.tenantBuckets ?? [];
  const admin = new SandboxAdminClient(options.sandboxUrl);

  const { accountId: baseAccountId } = await admin.createAccount(
    undefined,
    "developer: Skybridge's IAM user",
  );
  const user = await admin.createUser(baseAccountId, userName);
  const mfa = options.mfa === false ? undefined : await admin.createMfaDevice(baseAccountId, userName);
  step(
    `Developer account ${baseAccountId}: IAM user ${userName}${mfa ? ` with virtual MFA device ${mfa.serialNumber}` : ''}`,
  );

  const templateBucket = `skybridge-templates-${randomBytes(4).toString('hex')}`;
  const baseS3 = s3For(options.sandboxUrl, region, user);
  try {
    await baseS3.send(new CreateBucketCommand({ Bucket: templateBucket }));
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

  const { accountId: tenantAccountId } = await admin.createAccount(undefined, 'tenant');
  const tenantUser = await admin.createUser(tenantAccountId, 'tenant-admin');
  if (tenantBuckets.length > 0) {
    const tenantS3 = s3For(options.sandboxUrl, region, tenantUser);
    try {
      for (const bucket of tenantBuckets) await tenantS3.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      tenantS3.destroy();
    }
  }
  step(
    `Tenant account ${tenantAccountId}${tenantBuckets.length > 0 ? ` with ${tenantBuckets.length} buckets: ${tenantBuckets.join(', ')}` : ''}`,
  );

  return {
    base: { accountId: baseAccountId, user, ...(mfa ? { mfa } : {}) },
    tenant: { accountId: tenantAccountId, user: tenantUser },
    templateBucket,
  };
}

/** The connector configuration (contract section 1) for the base user, pointed at the sandbox. */
export function sandboxConnectorConfig(options: {
  sandboxUrl: string;
  accounts: SandboxAccounts;
  region?: string;
  /** How long verification retries AccessDenied while the new role propagates (default 30). */
  propagationTimeoutSeconds?: number;
}) {
  const { user, mfa } = options.accounts.base;
  return {
    type: 'aws',
    bucketName: options.accounts.templateBucket,
    bucketPrefix: 'templates',
    defaultRegion: options.region ?? 'us-east-1',
    iam: {
      accessKeyId: user.accessKeyId,
      secretAccessKey: user.secretAccessKey,
      ...(mfa ? { otpSecret: mfa.base32Secret, mfaSerial: mfa.serialNumber } : {}),
    },
    verify: { propagationTimeoutSeconds: options.propagationTimeoutSeconds ?? 30 },
    endpoints: {
      sts: options.sandboxUrl,
      s3: options.sandboxUrl,
      forcePathStyle: true,
      console: `${options.sandboxUrl}/_sandbox/console/cloudformation`,
    },
  };
}

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

/** The accounts, then connector `sandbox` (checked) and the integrations, through the management API. */
export async function prepareSandboxWorld(options: SandboxWorldOptions): Promise<SandboxWorldSetup> {
  const step = options.step ?? (() => {});
  const connectorName = options.connectorName ?? 'sandbox';
  const accounts = await createSandboxAccounts({
    sandboxUrl: options.sandboxUrl,
    tenantBuckets: options.tenantBuckets,
    step,
    ...(options.region ? { region: options.region } : {}),
  });

  await options.api.put(
    `/v1/connectors/${encodeURIComponent(connectorName)}`,
    sandboxConnectorConfig({
      sandboxUrl: options.sandboxUrl,
      accounts,
      ...(options.region ? { region: options.region } : {}),
      ...(options.propagationTimeoutSeconds !== undefined
        ? { propagationTimeoutSeconds: options.propagationTimeoutSeconds }
        : {}),
    }),
  );
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
    baseAccountId: accounts.base.accountId,
    tenantAccountId: accounts.tenant.accountId,
    templateBucket: accounts.templateBucket,
    connectorName,
    mfaSerial: accounts.base.mfa?.serialNumber ?? '',
    check,
  };
}
