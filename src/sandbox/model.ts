/**
 * The sandbox's world: accounts, IAM users and their keys, MFA devices, roles, S3 buckets and
 * CloudFormation stacks. Plain data in memory; the services (sts/, iam/, s3/, cloudformation/)
 * read and change it. The sandbox imports nothing of the product.
 */

export const DEFAULT_REGION = 'us-east-1';

export interface SandboxSettings {
  /** A new role answers AccessDenied to AssumeRole for this long after its creation. */
  iamPropagationMs: number;
  /** Added before every STS answer. */
  stsLatencyMs: number;
  /** Every Nth STS call answers `Throttling: Rate exceeded` (0: never). */
  throttleEvery: number;
  /** Moves the sandbox clock: TOTP checks and credential expiry. */
  clockOffsetMs: number;
  /**
   * Regions whose STS endpoint is deactivated in every account: STS calls signed for them answer
   * 403 RegionDisabledException (us-east-1 cannot be deactivated, as in AWS).
   */
  stsDisabledRegions: string[];
}

export const defaultSettings: SandboxSettings = {
  iamPropagationMs: 0,
  stsLatencyMs: 0,
  throttleEvery: 0,
  clockOffsetMs: 0,
  stsDisabledRegions: [],
};

export interface MfaDevice {
  serialNumber: string; // arn:aws:iam::<account>:mfa/<userName>
  base32Secret: string;
  /**
   * TOTP time steps already accepted. The highest is the device's last used counter: AWS refuses
   * any step at or before it (a reused code, or an older one after a newer was accepted).
   */
  usedSteps: Set<number>;
}

export interface IamUser {
  accountId: string;
  userName: string;
  arn: string;
  /** The unique id GetCallerIdentity reports as UserId (AIDA...). */
  userId?: string;
  mfaDevices: MfaDevice[];
}

export interface IamRole {
  accountId: string;
  roleName: string;
  path: string; // "/" or "/a/b/"
  arn: string;
  roleId: string;
  /** Parsed JSON trust policy. */
  assumeRolePolicyDocument: PolicyDocument;
  /** Inline policies by name (parsed JSON). */
  inlinePolicies: Map<string, PolicyDocument>;
  managedPolicyArns: string[];
  maxSessionDuration: number; // seconds, 3600..43200
  createdAt: number; // sandbox clock ms
  /** The stack that created it, if any: DeleteStack removes it. */
  stackId?: string;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | { AWS?: string | string[]; Service?: string | string[] };
  /** Every principal but these (resource and trust policies). */
  NotPrincipal?: '*' | { AWS?: string | string[]; Service?: string | string[] };
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[] | PolicyStatement;
}

/**
 * Who signed a request. `user` is an IAM user's long-term key; `session` comes from
 * GetSessionToken; `role` from AssumeRole.
 */
export interface Credential {
  kind: 'user' | 'session' | 'role';
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Sandbox clock ms; long-term keys never expire. */
  expiresAt?: number;
  accountId: string;
  /** The caller ARN GetCallerIdentity reports: user ARN, or `arn:aws:sts::<acct>:assumed-role/<role>/<session>`. */
  arn: string;
  userId: string;
  userName?: string;
  roleArn?: string;
  roleName?: string;
  sessionName?: string;
  mfaAuthenticated: boolean;
}

export interface S3Object {
  key: string;
  body: Buffer;
  contentType: string;
  etag: string; // quoted md5 hex
  lastModified: number; // sandbox clock ms
  metadata: Record<string, string>;
  checksums: Record<string, string>; // e.g. { CRC32: '...' }
}

export interface S3Bucket {
  name: string;
  accountId: string;
  region: string;
  createdAt: number;
  /** Parsed bucket policy, if any (a `s3:GetObject` Allow to `*` makes objects publicly readable). */
  policy?: PolicyDocument;
  objects: Map<string, S3Object>;
}

export interface StackResourceRecord {
  logicalId: string;
  type: string;
  physicalId: string;
}

export interface Stack {
  stackId: string; // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>
  stackName: string;
  accountId: string;
  region: string;
  status: 'CREATE_COMPLETE' | 'CREATE_FAILED' | 'ROLLBACK_COMPLETE' | 'DELETE_COMPLETE';
  statusReason?: string;
  createdAt: number;
  templateBody: string;
  parameters: Record<string, string>;
  outputs: { key: string; value: string; description?: string }[];
  resources: StackResourceRecord[];
  capabilities: string[];
}

export interface Account {
  id: string;
  /** A label for people (the console's account list): "Tenant acme", "Developer". */
  name?: string;
  users: Map<string, IamUser>;
  roles: Map<string, IamRole>; // by role name (names are unique per account, whatever the path)
  stacks: Map<string, Stack>; // by stackId
}

/** The whole mutable world. One instance per running sandbox; `reset` empties it. */
export class SandboxWorld {
  accounts = new Map<string, Account>();
  /** Every access key, long-term or temporary, by access key id. */
  credentials = new Map<string, Credential>();
  /** Bucket names are global, as in S3. */
  buckets = new Map<string, S3Bucket>();
  settings: SandboxSettings = { ...defaultSettings, stsDisabledRegions: [] };
  /** Counts STS calls, for `throttleEvery`. */
  stsCallCount = 0;
  /** AWS calls by `service:Action` (e.g. `sts:AssumeRole`), for GET /_sandbox/stats. */
  calls = new Map<string, number>();

  reset(): void {
    this.accounts.clear();
    this.credentials.clear();
    this.buckets.clear();
    this.settings = { ...defaultSettings, stsDisabledRegions: [] };
    this.stsCallCount = 0;
    this.calls.clear();
  }

  /** Counts one AWS call for the stats endpoint. */
  countCall(serviceAction: string): void {
    this.calls.set(serviceAction, (this.calls.get(serviceAction) ?? 0) + 1);
  }
}
