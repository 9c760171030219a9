import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { SkybridgeError } from '../core/index.js';
import type { ConnectorConfig } from './connectorConfig.js';
import { dnsSuffixOfPartition, partitionOfRegion } from './regions.js';

/** Session ids name public objects, so they must be unguessable and URL-safe. */
const SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/;

/** CloudFormation refuses longer TemplateURLs. */
export const MAX_TEMPLATE_URL_LENGTH = 1024;

type PublishConfig = Pick<ConnectorConfig, 'bucketName' | 'bucketPrefix' | 'bucketRegion' | 'endpoints'>;

/** `<prefix>/<sessionId>.yaml` (no leading slash when the prefix is ""). */
export function templateObjectKey(config: Pick<ConnectorConfig, 'bucketPrefix'>, sessionId: string): string {
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) {
    throw new SkybridgeError(
      'invalid_session_id',
      'sessionId: must be 16 to 128 letters, digits, "_" or "-" (it names a public template object).',
      { status: 400, field: 'sessionId' },
    );
  }
  return config.bucketPrefix === '' ? `${sessionId}.yaml` : `${config.bucketPrefix}/${sessionId}.yaml`;
}

/**
 * The https URL CloudFormation fetches the template from. Virtual-hosted by default; path-style for
 * bucket names with dots (the `*.s3` certificate does not cover them) and for a configured endpoint.
 */
export function templateUrlFor(config: PublishConfig, key: string): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  const bucket = config.bucketName;
  if (config.endpoints.s3 !== undefined) return `${config.endpoints.s3}/${bucket}/${path}`;
  const host = `s3.${config.bucketRegion}.${dnsSuffixOfPartition(partitionOfRegion(config.bucketRegion))}`;
  if (bucket.includes('.') || config.endpoints.forcePathStyle) return `https://${host}/${bucket}/${path}`;
  return `https://${bucket}.${host}/${path}`;
}

export interface TemplatePublisherOptions {
  config: ConnectorConfig;
  /** The base session's credentials (the connector's IAM user may write under the prefix). */
  credentials: AwsCredentialIdentityProvider;
  /** Socket limits (defaults below); tests shorten them. */
  timeouts?: { connectionTimeoutMs?: number; requestTimeoutMs?: number };
}

/** Opening a connection to S3 takes milliseconds wherever there is a route to it. */
export const DEFAULT_S3_CONNECTION_TIMEOUT_MS = 5_000;
/** Uploading at most 1 MB (a template's limit) or deleting one object: 15 s is generous. */
export const DEFAULT_S3_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Puts rendered templates into the connector's bucket under unguessable keys and deletes them when
 * the session ends. The bucket's policy (public read) is what lets the tenant's CloudFormation read them.
 */
export class TemplatePublisher {
  private readonly config: ConnectorConfig;
  private readonly s3: S3Client;

  constructor(options: TemplatePublisherOptions) {
    this.config = options.config;
    const endpoint = options.config.endpoints.s3;
    this.s3 = new S3Client({
      region: options.config.bucketRegion,
      credentials: options.credentials,
      forcePathStyle: options.config.endpoints.forcePathStyle || endpoint !== undefined,
      ...(endpoint === undefined ? {} : { endpoint }),
      // A template is at most 1 MB and the tenant is waiting on the page: an S3 that has not answered
      // in time is unreachable (aws_unreachable, retryable), not something to wait on forever.
      // throwOnRequestTimeout: without it the SDK only warns and keeps waiting.
      requestHandler: {
        connectionTimeout: options.timeouts?.connectionTimeoutMs ?? DEFAULT_S3_CONNECTION_TIMEOUT_MS,
        requestTimeout: options.timeouts?.requestTimeoutMs ?? DEFAULT_S3_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
  }

  async publish(sessionId: string, body: string): Promise<{ key: string; templateUrl: string }> {
    const key = templateObjectKey(this.config, sessionId);
    const templateUrl = templateUrlFor(this.config, key);
    if (templateUrl.length > MAX_TEMPLATE_URL_LENGTH) {
      throw new SkybridgeError(
        'template_url_too_long',
        `The template URL is ${templateUrl.length} characters; CloudFormation accepts at most ${MAX_TEMPLATE_URL_LENGTH}. Use a shorter bucketPrefix.`,
        { status: 400, field: 'bucketPrefix' },
      );
    }
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.config.bucketName,
          Key: key,
          Body: body,
          ContentType: 'application/x-yaml',
          // Each object is written once per session; caches must not serve an older body.
          CacheControl: 'no-store',
        }),
      );
    } catch (error) {
      throw s3Failure('publish the template to', this.config.bucketName, error);
    }
    return { key, templateUrl };
  }

  /** Deletes the session's template; an object already gone is fine. */
  async remove(sessionId: string): Promise<void> {
    const key = templateObjectKey(this.config, sessionId);
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.config.bucketName, Key: key }));
    } catch (error) {
      if (errorName(error) === 'NoSuchKey' || httpStatus(error) === 404) return;
      throw s3Failure('delete the template from', this.config.bucketName, error);
    }
  }

  /** Releases the S3 client's sockets. */
  close(): void {
    this.s3.destroy();
  }
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function httpStatus(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return metadata?.httpStatusCode;
}

function s3Failure(action: string, bucket: string, error: unknown): SkybridgeError {
  const status = httpStatus(error);
  // No HTTP status means S3 never answered (refused connection, DNS, timeout): worth retrying later.
  if (status === undefined) {
    const code = (error as { code?: unknown } | undefined)?.code;
    const reason = typeof code === 'string' ? code : (errorName(error) ?? 'no answer');
    return new SkybridgeError(
      'aws_unreachable',
      `Could not reach S3 to ${action} bucket "${bucket}" (${reason}). Check the network and endpoints.s3.`,
      { status: 502, retryable: true, cause: error },
    );
  }
  const name = errorName(error) ?? 'Error';
  const hints: Record<string, string> = {
    AccessDenied:
      ' Check that the connector user may s3:PutObject and s3:DeleteObject there (see its IAM policy).',
    NoSuchBucket: ' Check bucketName and bucketRegion.',
    SignatureDoesNotMatch: ' Check iam.secretAccessKey.',
    InvalidAccessKeyId: ' Check iam.accessKeyId.',
    PermanentRedirect: ' Check bucketRegion: the bucket is in another region.',
  };
  return new SkybridgeError(
    'template_publish_failed',
    `Could not ${action} bucket "${bucket}": ${name} (HTTP ${status}).${hints[name] ?? ''}`,
    { status: 502, retryable: status >= 500 || status === 429, cause: error },
  );
}
