/**
 * Shared fixtures for the sandbox's own tests: a started sandbox with its admin client, accounts
 * with a user, and real AWS SDK v3 clients pointed at it. Test-only; nothing in src/sandbox imports it.
 *
 * @example
 *   const { sandbox, admin } = await startTestSandbox();
 *   const user = await createAccountWithUser(admin, '111122223333', 'bot');
 *   await stsClient(sandbox, user).send(new GetCallerIdentityCommand({}));
 */
import assert from 'node:assert/strict';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { type Credentials, STSClient } from '@aws-sdk/client-sts';
import { SandboxAdminClient, type SandboxUserKeys } from './adminClient.js';
import { type RunningSandbox, type SandboxOptions, startSandbox } from './server.js';

/** Keys an SDK client signs with: a user's long-term keys or a session's temporary ones. */
export type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** An SDK error with the parts tests read: the HTTP status and the raw response headers. */
export type SdkError = Error & {
  $metadata?: { httpStatusCode?: number };
  $response?: { headers: Record<string, string> };
};

/** Where the clients send their calls: a running sandbox (read when the client is built). */
type Endpoint = Pick<RunningSandbox, 'url'>;

export async function startTestSandbox(
  options: SandboxOptions = {},
): Promise<{ sandbox: RunningSandbox; admin: SandboxAdminClient }> {
  const sandbox = await startSandbox(options);
  return { sandbox, admin: new SandboxAdminClient(sandbox.url) };
}

export async function createAccountWithUser(
  admin: SandboxAdminClient,
  accountId: string,
  userName: string,
): Promise<SandboxUserKeys> {
  await admin.createAccount(accountId);
  return admin.createUser(accountId, userName);
}

/** The error a call failed with; fails the test when the call succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  assert.fail('expected the call to fail');
}

/** The keys of an STS answer's credentials, asserting all three parts are there. */
export function fromSts(credentials: Credentials | undefined): Keys {
  assert.ok(credentials?.AccessKeyId && credentials.SecretAccessKey && credentials.SessionToken);
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}

// maxAttempts 1: a test sees the sandbox's first answer, never an SDK retry hiding it.
export function stsClient(sandbox: Endpoint, credentials: Keys, region = 'us-east-1'): STSClient {
  return new STSClient({ endpoint: sandbox.url, region, credentials, maxAttempts: 1 });
}

export function s3Client(
  sandbox: Endpoint,
  credentials: Keys,
  config: Partial<S3ClientConfig> = {},
): S3Client {
  return new S3Client({
    endpoint: sandbox.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
    ...config,
  });
}

export function iamClient(sandbox: Endpoint, credentials: Keys): IAMClient {
  return new IAMClient({ endpoint: sandbox.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

export function cloudFormationClient(
  sandbox: Endpoint,
  credentials: Keys,
  region = 'us-east-1',
): CloudFormationClient {
  return new CloudFormationClient({ endpoint: sandbox.url, region, credentials, maxAttempts: 1 });
}
