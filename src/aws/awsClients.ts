/**
 * AWS SDK clients built from a connector's configuration, and the one place where the engine's
 * Clock meets the SDK's (which is always the system clock).
 */
import { STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Clock } from '../core/index.js';
import type { ConnectorConfig } from './connectorConfig.js';

/**
 * A TCP (and TLS) connection to STS opens in milliseconds from anywhere with a route to AWS; after
 * 5 s the endpoint is out of reach, and the engine's own retry (or the caller) should take over.
 */
export const DEFAULT_STS_CONNECTION_TIMEOUT_MS = 5_000;
/**
 * STS answers are a few hundred bytes and come back in well under a second. Calls sit on the hot
 * path of a verification and of every credential refresh, so an endpoint that accepted the
 * connection but has not answered within 5 s is treated as unreachable (aws_unreachable,
 * retryable) rather than holding tenants' requests longer.
 */
export const DEFAULT_STS_REQUEST_TIMEOUT_MS = 5_000;

/** Per-connector STS socket limits (engine options only, not the public configuration). */
export interface StsTimeouts {
  /** Time to open the connection (default DEFAULT_STS_CONNECTION_TIMEOUT_MS). */
  connectionTimeoutMs?: number;
  /** Time for the whole request and its answer (default DEFAULT_STS_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

/**
 * An STS client for the connector: endpoint `endpoints.sts` (the regional AWS endpoint when
 * unset), region `iam.region`, the socket limits above, and `maxAttempts: 1` because the engine
 * owns retries so it can classify and count every failure.
 */
export function createStsClient(
  config: ConnectorConfig,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
  timeouts: StsTimeouts = {},
): STSClient {
  const requestTimeout = timeouts.requestTimeoutMs ?? DEFAULT_STS_REQUEST_TIMEOUT_MS;
  return new STSClient({
    region: config.iam.region,
    ...(config.endpoints.sts ? { endpoint: config.endpoints.sts } : {}),
    maxAttempts: 1,
    credentials,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs ?? DEFAULT_STS_CONNECTION_TIMEOUT_MS,
      requestTimeout,
      // Without this the SDK only logs a warning once requestTimeout passes and keeps waiting: an
      // endpoint that accepts the connection and never answers would hang the call forever.
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * The connector user's long-term credentials: the configured access key, or, when it is omitted,
 * the SDK's default chain (environment, shared files, container or instance role).
 */
export function longTermCredentials(
  config: ConnectorConfig,
): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  const { accessKeyId, secretAccessKey } = config.iam;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  return fromNodeProviderChain();
}

/**
 * The SDK asks a credential provider again when fewer than 5 minutes remain by the system clock.
 * Reporting just under that makes it ask on every request. That is cheap (the engine answers from
 * memory in microseconds) and leaves every decision about freshness to the engine and its Clock:
 * refresh margins, `forget()`, a base session dropped after ExpiredToken, and tests that move time.
 */
const SDK_REFRESH_WINDOW_MS = 300_000;

/**
 * The `expiration` to hand the SDK for credentials that expire at `expirationMs` on `clock`: never
 * later than the truth (translated to the system clock), and soon enough that the SDK asks again
 * on its next request.
 */
export function sdkExpiration(expirationMs: number, clock: Clock): Date {
  // The SDK compares with Date.now(); the engine's clock may differ (tests), so translate the remaining time.
  const systemNow = Date.now();
  const trueExpiration = systemNow + (expirationMs - clock.now());
  return new Date(Math.min(trueExpiration, systemNow + SDK_REFRESH_WINDOW_MS - 1));
}
