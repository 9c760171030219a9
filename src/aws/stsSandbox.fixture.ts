/**
 * Test fixture (tests and bench only, never imported by the engine): a running sandbox with our
 * base account, its connector user and MFA device, and helpers to create tenant roles and buckets.
 */
import {
  type CreateRoleInput,
  createRole,
  deleteRole,
  type RunningSandbox,
  SandboxAdminClient,
  type SandboxSettings,
  startSandbox,
} from '../sandbox/index.js';
import { type ConnectorConfig, type ConnectorConfigInput, parseConnectorConfig } from './connectorConfig.js';
import type { TenantIdentity } from './tenantIdentity.js';

export const BASE_ACCOUNT = '111122223333';

export interface TenantRoleSpec {
  accountId: string;
  roleName?: string;
  path?: string;
  externalId: string;
  /** Trust our account without the sts:ExternalId condition (an insecure role). */
  withoutExternalIdCondition?: boolean;
  /**
   * Sandbox time of creation, which starts IAM propagation (iamPropagationMs). Default 0: long
   * propagated, whatever time a test moves the sandbox clock to.
   */
  createdAt?: number;
}

export class StsSandbox {
  private constructor(
    readonly sandbox: RunningSandbox,
    readonly admin: SandboxAdminClient,
    readonly user: { accessKeyId: string; secretAccessKey: string; arn: string },
    readonly mfa: { serialNumber: string; base32Secret: string },
  ) {}

  static async start(settings: Partial<SandboxSettings> = {}): Promise<StsSandbox> {
    const sandbox = await startSandbox({ port: 0, settings });
    const admin = new SandboxAdminClient(sandbox.url);
    await admin.createAccount(BASE_ACCOUNT);
    const user = await admin.createUser(BASE_ACCOUNT, 'integration-bot');
    const mfa = await admin.createMfaDevice(BASE_ACCOUNT, 'integration-bot');
    return new StsSandbox(sandbox, admin, user, mfa);
  }

  get url(): string {
    return this.sandbox.url;
  }

  /** The sandbox clock now (ms): real time plus clockOffsetMs. */
  sandboxNow(): number {
    return Date.now() + this.sandbox.world.settings.clockOffsetMs;
  }

  /** Moves the sandbox clock so it reads `ms` now (TOTP checks and expiry then agree with a ManualClock). */
  async alignClock(ms: number): Promise<void> {
    await this.admin.updateSettings({ clockOffsetMs: ms - Date.now() });
  }

  /** A parsed connector configuration for the sandbox's user; `mfa: false` leaves MFA out. */
  config(
    overrides: { mfa?: boolean; iam?: Partial<ConnectorConfigInput['iam']> } & Omit<
      Partial<ConnectorConfigInput>,
      'iam'
    > = {},
  ): ConnectorConfig {
    const { mfa = true, iam, ...rest } = overrides;
    return parseConnectorConfig({
      type: 'aws',
      bucketName: 'skybridge-templates',
      ...rest,
      iam: {
        accessKeyId: this.user.accessKeyId,
        secretAccessKey: this.user.secretAccessKey,
        ...(mfa ? { otpSecret: this.mfa.base32Secret, mfaSerial: this.mfa.serialNumber } : {}),
        ...iam,
      },
      endpoints: { sts: this.url, s3: this.url, forcePathStyle: true, ...rest.endpoints },
    });
  }

  async createAccount(accountId: string): Promise<void> {
    await this.admin.createAccount(accountId);
  }

  /** A tenant role trusting our account with the external id, allowed to list and read S3. */
  createTenantRole(spec: TenantRoleSpec): string {
    const condition = spec.withoutExternalIdCondition
      ? {}
      : { Condition: { StringEquals: { 'sts:ExternalId': spec.externalId } } };
    const input: CreateRoleInput = {
      roleName: spec.roleName ?? 'skybridge-connector-role',
      path: spec.path ?? '/',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${BASE_ACCOUNT}:root` },
            Action: 'sts:AssumeRole',
            ...condition,
          },
        ],
      },
      inlinePolicies: {
        s3: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:ListAllMyBuckets', 's3:ListBucket', 's3:GetObject', 's3:GetBucketLocation'],
              Resource: '*',
            },
          ],
        },
      },
    };
    return createRole(this.sandbox.world, spec.accountId, input, spec.createdAt ?? 0).arn;
  }

  deleteTenantRole(accountId: string, roleName = 'skybridge-connector-role'): void {
    deleteRole(this.sandbox.world, accountId, roleName);
  }

  createBucket(accountId: string, name: string): void {
    const now = this.sandboxNow();
    this.sandbox.world.buckets.set(name, {
      name,
      accountId,
      region: 'us-east-1',
      createdAt: now,
      objects: new Map(),
    });
  }

  identity(spec: {
    id: string;
    accountId: string;
    roleArn: string;
    externalId: string;
    tenantId?: string;
  }): TenantIdentity {
    return {
      id: spec.id,
      connector: 'aws',
      tenantId: spec.tenantId ?? spec.id,
      installId: `ins_${spec.id}`,
      accountId: spec.accountId,
      region: 'us-east-1',
      roleArn: spec.roleArn,
      externalId: spec.externalId,
    };
  }

  /** STS calls by action since the last reset, e.g. { AssumeRole: 1, GetSessionToken: 1 }. */
  async stsCalls(): Promise<{ AssumeRole: number; GetSessionToken: number; GetCallerIdentity: number }> {
    const calls = await this.admin.stats();
    return {
      AssumeRole: calls['sts:AssumeRole'] ?? 0,
      GetSessionToken: calls['sts:GetSessionToken'] ?? 0,
      GetCallerIdentity: calls['sts:GetCallerIdentity'] ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.sandbox.close();
  }
}
