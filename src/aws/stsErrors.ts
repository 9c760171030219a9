/**
 * What an STS failure means for the caller. AWS reports most STS problems as HTTP 400 or 403 with a
 * code in the body, so the SDK's own notion of "retryable" is not enough: a `Throttling` answer is a
 * 400, and a wrong MFA code and a misconfigured MFA serial are both `AccessDenied`. The engine
 * decides from this kind whether to retry, wait for the next TOTP step, or give up with a typed error.
 */
import { SkybridgeError } from '../core/index.js';

export type StsFailureKind =
  | 'throttled'
  | 'invalid_mfa_code'
  | 'mfa_misconfigured'
  | 'access_denied'
  | 'expired_token'
  | 'invalid_credentials'
  | 'invalid_request'
  | 'network'
  | 'unknown';

const THROTTLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);

const ACCESS_DENIED_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

const EXPIRED_TOKEN_CODES = new Set(['ExpiredToken', 'ExpiredTokenException']);

/** The caller's own keys are unknown or badly signed: nothing a retry or another TOTP step fixes. */
const INVALID_CREDENTIALS_CODES = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidAccessKeyId',
  'UnrecognizedClientException',
]);

const INVALID_REQUEST_CODES = new Set([
  'ValidationError',
  'ValidationException',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'PackedPolicyTooLarge',
  'PackedPolicyTooLargeException',
  'RegionDisabledException',
  'InvalidParameterValue',
  'InvalidParameterCombination',
  'MissingParameter',
  'InvalidAction',
  'IDPRejectedClaim',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Socket failures a retry within seconds does not fix: the host name does not resolve (ENOTFOUND,
 * EAI_AGAIN), nothing listens (ECONNREFUSED), or there is no route. Retrying them only makes the
 * caller wait; timeouts and resets stay worth another try.
 */
const LASTING_NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

const NETWORK_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
  cause?: unknown;
  /** Node's socket errors: the host name (DNS) or the address and port (connect). */
  hostname?: unknown;
  address?: unknown;
  port?: unknown;
  /** AggregateError (one failure per address tried). */
  errors?: unknown;
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? (error as ErrorLike) : {};
}

/** The AWS error code (`AccessDenied`, `Throttling`...), or the Node error code for a failed socket. */
export function stsErrorCode(error: unknown): string | undefined {
  const e = asErrorLike(error);
  for (const candidate of [e.Code, e.name, e.code]) {
    if (typeof candidate === 'string' && candidate !== 'Error' && candidate !== '') return candidate;
  }
  return undefined;
}

/** The HTTP status of STS's answer, or undefined when no answer came back. */
export function stsHttpStatus(error: unknown): number | undefined {
  const e = asErrorLike(error);
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * True when STS itself answered (accepted or refused). Only then is a TOTP code spent: a request
 * that never reached AWS leaves its code unused.
 */
export function stsAnswered(error: unknown): boolean {
  return stsHttpStatus(error) !== undefined;
}

function messageOf(error: unknown): string {
  const message = asErrorLike(error).message;
  return typeof message === 'string' ? message : '';
}

/** The error and the errors it wraps (fetch-style `cause`, AggregateError `errors`), a few levels deep. */
function errorChain(error: unknown, depth = 0): ErrorLike[] {
  const e = asErrorLike(error);
  if (depth >= 3) return [e];
  const inner = [
    ...(e.cause === undefined ? [] : [e.cause]),
    ...(Array.isArray(e.errors) ? (e.errors as unknown[]) : []),
  ];
  return [e, ...inner.flatMap((item) => errorChain(item, depth + 1))];
}

function isNetworkFailure(error: unknown): boolean {
  return errorChain(error).some(
    (e) =>
      (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
      (typeof e.name === 'string' && NETWORK_NAMES.has(e.name)),
  );
}

/** The socket error code (ENOTFOUND, ECONNREFUSED, ETIMEDOUT...) of a failure that never got an answer. */
export function networkErrorCode(error: unknown): string | undefined {
  if (stsAnswered(error)) return undefined;
  for (const e of errorChain(error)) {
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return e.code;
  }
  return undefined;
}

/**
 * True for a network failure that retrying within the call will not fix: DNS cannot resolve the
 * endpoint's host, the connection is refused, or there is no route to it. Answer at once then.
 *
 * @example
 * isLastingNetworkFailure(err) // ENOTFOUND -> true; ECONNRESET or a timeout -> false
 */
export function isLastingNetworkFailure(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && LASTING_NETWORK_CODES.has(code);
}

/** The host (and port) a failed connection was for, when the socket error says so. */
export function failedEndpointHost(error: unknown): string | undefined {
  for (const e of errorChain(error)) {
    if (typeof e.hostname === 'string' && e.hostname) return e.hostname;
    if (typeof e.address === 'string' && e.address) {
      return typeof e.port === 'number' ? `${e.address}:${e.port}` : e.address;
    }
  }
  return undefined;
}

const NETWORK_REASONS: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'DNS could not resolve the host name',
  ECONNREFUSED: 'the connection was refused',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
  ENETDOWN: 'the network is down',
};

/**
 * Classifies an error thrown by an STS call of the AWS SDK v3.
 *
 * @example
 * classifyStsError(err) === 'throttled' // retry with backoff
 */
export function classifyStsError(error: unknown): StsFailureKind {
  const code = stsErrorCode(error);
  const status = stsHttpStatus(error);
  const message = messageOf(error);

  if (code !== undefined && THROTTLE_CODES.has(code)) return 'throttled';
  if (status === 429 || status === 503) return 'throttled';
  if (code !== undefined && ACCESS_DENIED_CODES.has(code)) {
    if (/invalid MFA one time pass code/i.test(message)) return 'invalid_mfa_code';
    if (/unable to validate MFA|MFA serial/i.test(message)) return 'mfa_misconfigured';
    return 'access_denied';
  }
  if (code !== undefined && EXPIRED_TOKEN_CODES.has(code)) return 'expired_token';
  if (code !== undefined && INVALID_CREDENTIALS_CODES.has(code)) return 'invalid_credentials';
  if (code !== undefined && INVALID_REQUEST_CODES.has(code)) return 'invalid_request';
  if (status === undefined && isNetworkFailure(error)) return 'network';
  if (status === 403) return 'access_denied';
  return 'unknown';
}

/** A short, secret-free description of an STS failure for messages and logs: `AccessDenied: ...`. */
export function describeStsError(error: unknown): { code: string; message: string } {
  const code = stsErrorCode(error) ?? 'UnknownError';
  const message = messageOf(error).slice(0, 500);
  return { code, message };
}

/**
 * The typed error for failures that mean the same wherever they happen: throttling that outlived
 * our retries, AWS out of reach, keys AWS does not know, and anything unexpected. Returns
 * undefined for kinds whose meaning depends on the call (access denied, MFA, expired token).
 */
export function genericStsError(
  error: unknown,
  action: string,
  options: {
    /** The STS endpoint's host, named in network failures (default: the host the socket error names). */
    endpointHost?: string;
  } = {},
): SkybridgeError | undefined {
  const kind = classifyStsError(error);
  const { code, message } = describeStsError(error);
  switch (kind) {
    case 'throttled':
      return new SkybridgeError(
        'sts_throttled',
        `AWS STS kept throttling ${action} (${code}) after several retries; try again shortly, or ask AWS to raise the STS request quota.`,
        { status: 503, retryable: true, cause: error },
      );
    case 'network': {
      const host = options.endpointHost ?? failedEndpointHost(error);
      const socketCode = networkErrorCode(error) ?? code;
      const reason = NETWORK_REASONS[socketCode];
      return new SkybridgeError(
        'aws_unreachable',
        `Could not reach AWS STS${host ? ` at ${host}` : ''} for ${action} (${socketCode}${reason ? `: ${reason}` : ''}); check the network and DNS, and the connector's endpoints.sts.`,
        {
          status: 502,
          retryable: true,
          cause: error,
          details: { networkCode: socketCode, ...(host ? { host } : {}) },
        },
      );
    }
    case 'invalid_credentials':
      return new SkybridgeError(
        'base_credentials_rejected',
        `AWS did not accept the connector's IAM access key for ${action} (${code}); check iam.accessKeyId and iam.secretAccessKey.`,
        { status: 502, cause: error },
      );
    case 'invalid_request':
      return new SkybridgeError('sts_request_rejected', `AWS STS refused ${action}: ${code}: ${message}`, {
        status: 502,
        cause: error,
      });
    case 'unknown':
      return new SkybridgeError(
        'sts_error',
        `AWS STS failed ${action}: ${code}${message ? `: ${message}` : ''}`,
        {
          status: 502,
          retryable: (stsHttpStatus(error) ?? 0) >= 500,
          cause: error,
        },
      );
    default:
      return undefined;
  }
}
