/**
 * One AssumeRole (or GetCallerIdentity) against STS, signed with the base session. Shared by the
 * credential broker and the verifier; neither retries here except for the one case only this layer
 * can fix: ExpiredToken, which means the base session died early (dropped, then one more try).
 * Every other failure is thrown as the SDK raised it, for the caller to classify.
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { createStsClient, type StsTimeouts } from './awsClients.js';
import type { BaseSession, CallerIdentity } from './baseSession.js';
import type { ConnectorConfig } from './connectorConfig.js';
import type { StoredCredentials } from './engineStore.js';
import { classifyStsError } from './stsErrors.js';

export interface AssumeRoleRequest {
  roleArn: string;
  externalId: string;
  sessionName: string;
  durationSeconds: number;
}

export interface AssumedRole {
  /** `expiration` in ms since the epoch, as AWS stated it. */
  credentials: StoredCredentials;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  assumedRoleArn: string;
}

/** Up to 64 characters of [\w+=,.@-] (AWS's rule), so any id can name a session. */
export function roleSessionName(prefix: string, id: string): string {
  const cleaned = `${prefix}-${id}`.replace(/[^\w+=,.@-]/g, '-');
  return cleaned.slice(0, 64);
}

export class RoleAssumer {
  private readonly config: ConnectorConfig;
  private readonly baseSession: BaseSession;
  private readonly stsTimeouts: StsTimeouts;
  private client: STSClient | undefined;

  constructor(options: { config: ConnectorConfig; baseSession: BaseSession; stsTimeouts?: StsTimeouts }) {
    this.config = options.config;
    this.baseSession = options.baseSession;
    this.stsTimeouts = options.stsTimeouts ?? {};
  }

  /** AssumeRole with the base session; on ExpiredToken the base session is replaced and the call made once more. */
  async assumeRole(request: AssumeRoleRequest, signal?: AbortSignal): Promise<AssumedRole> {
    // The session the SDK signs with is the one get() answers now (it asks the same provider).
    // The signal ends a wait for the base session too (e.g. for the next TOTP step).
    const signing = await this.baseSession.get(signal);
    try {
      return await this.assumeOnce(request, signal);
    } catch (error) {
      if (classifyStsError(error) !== 'expired_token' || !this.baseSession.mfa) throw error;
      await this.baseSession.invalidate(signing.accessKeyId);
      await this.baseSession.get(signal);
      return await this.assumeOnce(request, signal);
    }
  }

  /** GetCallerIdentity with `credentials` (e.g. a tenant role's), to learn whose they are. */
  async callerIdentity(credentials: AwsCredentialIdentity, signal?: AbortSignal): Promise<CallerIdentity> {
    const client = createStsClient(this.config, credentials, this.stsTimeouts);
    try {
      const answer = await client.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
      return { accountId: answer.Account ?? '', arn: answer.Arn ?? '', userId: answer.UserId ?? '' };
    } finally {
      client.destroy();
    }
  }

  private async assumeOnce(request: AssumeRoleRequest, signal?: AbortSignal): Promise<AssumedRole> {
    // The SDK asks the base session's provider on every request, so a replaced session is used at once.
    this.client ??= createStsClient(this.config, this.baseSession.provider(), this.stsTimeouts);
    const answer = await this.client.send(
      new AssumeRoleCommand({
        RoleArn: request.roleArn,
        ExternalId: request.externalId,
        RoleSessionName: request.sessionName,
        DurationSeconds: request.durationSeconds,
      }),
      { abortSignal: signal },
    );
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw Object.assign(new Error('AWS STS answered AssumeRole without credentials.'), {
        name: 'IncompleteAnswer',
      });
    }
    return {
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration.getTime(),
        mfa: this.baseSession.mfa,
      },
      assumedRoleArn: answer.AssumedRoleUser?.Arn ?? '',
    };
  }
}
