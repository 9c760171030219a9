/**
 * A credential provider for application backends that run their own AWS SDK code: it fetches a
 * tenant's temporary credentials from Skybridge's credentials endpoint
 * (`POST /v1/integrations/{integration}/tenants/{tenantId}/credentials?connector=...`) and caches
 * them until 5 minutes before they expire. Concurrent calls share one request.
 *
 * @example
 * import { fromSkybridge } from 'skybridge';
 * const s3 = new S3Client({
 *   region: 'us-east-1',
 *   credentials: fromSkybridge({ url: 'https://skybridge.internal', apiKey, integration: 's3-buckets',
 *     tenantId: 'acme', connector: 'awsConnector' }),
 * });
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { type Clock, SkybridgeError, systemClock } from '../core/index.js';

export interface FromSkybridgeInit {
  /** Skybridge's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** An admin API key. */
  apiKey: string;
  integration: string;
  tenantId: string;
  /** The integration's connector name (default `awsConnector`). */
  connector?: string;
  /** Refresh this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
  clock?: Clock;
  fetch?: typeof fetch;
}

export interface SkybridgeCredentials extends AwsCredentialIdentity {
  expiration: Date;
  /** The tenant's region, as Skybridge reports it. */
  region?: string;
}

const DEFAULT_MARGIN_MS = 5 * 60_000;

export function fromSkybridge(init: FromSkybridgeInit): AwsCredentialIdentityProvider {
  const clock = init.clock ?? systemClock;
  const doFetch = init.fetch ?? fetch;
  const margin = init.refreshMarginMs ?? DEFAULT_MARGIN_MS;
  const connector = init.connector ?? 'awsConnector';
  const endpoint = new URL(
    `v1/integrations/${encodeURIComponent(init.integration)}/tenants/${encodeURIComponent(init.tenantId)}/credentials`,
    init.url.endsWith('/') ? init.url : `${init.url}/`,
  );
  endpoint.searchParams.set('connector', connector);

  let cached: SkybridgeCredentials | undefined;
  let inFlight: Promise<SkybridgeCredentials> | undefined;

  const fetchCredentials = async (): Promise<SkybridgeCredentials> => {
    let response: Response;
    try {
      response = await doFetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${init.apiKey}`, accept: 'application/json' },
      });
    } catch (error) {
      throw new SkybridgeError(
        'skybridge_unreachable',
        `Could not reach Skybridge at ${init.url}: ${String(error)}`,
        {
          status: 502,
          retryable: true,
          cause: error,
        },
      );
    }
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = (body?.error ?? {}) as { code?: string; message?: string };
      throw new SkybridgeError(
        error.code ?? 'credentials_failed',
        error.message ?? `Skybridge answered ${response.status} for tenant "${init.tenantId}".`,
        { status: response.status, retryable: response.status >= 500 || response.status === 429 },
      );
    }
    const { accessKeyId, secretAccessKey, sessionToken, expiration, region } = body ?? {};
    if (
      typeof accessKeyId !== 'string' ||
      typeof secretAccessKey !== 'string' ||
      typeof expiration !== 'string'
    ) {
      throw new SkybridgeError('credentials_failed', 'Skybridge answered without credentials.', {
        status: 502,
      });
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(typeof sessionToken === 'string' ? { sessionToken } : {}),
      expiration: new Date(expiration),
      ...(typeof region === 'string' ? { region } : {}),
    };
  };

  return async (options?: { forceRefresh?: boolean }) => {
    const fresh = cached && cached.expiration.getTime() - clock.now() > margin;
    if (fresh && cached && !options?.forceRefresh) return cached;
    inFlight ??= fetchCredentials()
      .then((credentials) => {
        cached = credentials;
        return credentials;
      })
      .finally(() => {
        inFlight = undefined;
      });
    try {
      return await inFlight;
    } catch (error) {
      // A failed refresh is not cached; credentials that are still valid keep being served meanwhile.
      if (cached && cached.expiration.getTime() > clock.now()) return cached;
      throw error;
    }
  };
}
