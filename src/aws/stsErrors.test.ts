import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import {
  classifyStsError,
  describeStsError,
  genericStsError,
  isLastingNetworkFailure,
  networkErrorCode,
  stsAnswered,
} from './stsErrors.js';

function awsError(name: string, message: string, httpStatusCode: number): STSServiceException {
  return new STSServiceException({
    name,
    message,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('classifyStsError', () => {
  it('tells a rejected MFA code from a misconfigured MFA serial, though both are AccessDenied', () => {
    assert.equal(
      classifyStsError(
        awsError(
          'AccessDenied',
          'MultiFactorAuthentication failed with invalid MFA one time pass code. ',
          403,
        ),
      ),
      'invalid_mfa_code',
    );
    assert.equal(
      classifyStsError(
        awsError(
          'AccessDenied',
          'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.',
          403,
        ),
      ),
      'mfa_misconfigured',
    );
    assert.equal(
      classifyStsError(
        awsError(
          'AccessDenied',
          'User: arn:aws:iam::111122223333:user/bot is not authorized to perform: sts:AssumeRole',
          403,
        ),
      ),
      'access_denied',
    );
  });

  it('classifies throttling by code even though STS answers it with HTTP 400', () => {
    assert.equal(classifyStsError(awsError('Throttling', 'Rate exceeded', 400)), 'throttled');
    assert.equal(classifyStsError(awsError('ThrottlingException', 'Rate exceeded', 400)), 'throttled');
    assert.equal(
      classifyStsError(awsError('RequestLimitExceeded', 'Request limit exceeded.', 400)),
      'throttled',
    );
    assert.equal(classifyStsError(awsError('ServiceUnavailable', 'busy', 503)), 'throttled');
    assert.equal(classifyStsError(awsError('SomethingElse', 'slow down', 429)), 'throttled');
  });

  it('recognises expired tokens, bad keys and invalid requests', () => {
    assert.equal(
      classifyStsError(
        awsError('ExpiredToken', 'The security token included in the request is expired', 400),
      ),
      'expired_token',
    );
    assert.equal(classifyStsError(awsError('ExpiredTokenException', 'expired', 400)), 'expired_token');
    assert.equal(
      classifyStsError(
        awsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
      ),
      'invalid_credentials',
    );
    assert.equal(classifyStsError(awsError('SignatureDoesNotMatch', 'no', 403)), 'invalid_credentials');
    assert.equal(
      classifyStsError(
        awsError(
          'ValidationError',
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
          400,
        ),
      ),
      'invalid_request',
    );
    assert.equal(classifyStsError(awsError('InternalFailure', 'oops', 500)), 'unknown');
  });

  it('classifies a refused connection as a network failure that STS never answered', async () => {
    const port = await closedPort();
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    });
    const error = await client.send(new GetCallerIdentityCommand({})).then(
      () => assert.fail('expected a connection failure'),
      (e: unknown) => e,
    );
    client.destroy();
    assert.equal(classifyStsError(error), 'network');
    assert.equal(stsAnswered(error), false);
    assert.equal(genericStsError(error, 'a test')?.code, 'aws_unreachable');
  });

  it('knows STS answered when the error carries an HTTP status', () => {
    assert.equal(stsAnswered(awsError('AccessDenied', 'no', 403)), true);
    assert.deepEqual(describeStsError(awsError('Throttling', 'Rate exceeded', 400)), {
      code: 'Throttling',
      message: 'Rate exceeded',
    });
  });
});

describe('genericStsError', () => {
  it('maps lasting throttling to a retryable sts_throttled (503)', () => {
    const error = genericStsError(awsError('Throttling', 'Rate exceeded', 400), 'AssumeRole');
    assert.equal(error?.code, 'sts_throttled');
    assert.equal(error?.status, 503);
    assert.equal(error?.retryable, true);
  });

  it('leaves call-specific kinds (access denied, MFA) to the caller', () => {
    assert.equal(genericStsError(awsError('AccessDenied', 'no', 403), 'AssumeRole'), undefined);
    assert.equal(genericStsError(awsError('ExpiredToken', 'expired', 400), 'AssumeRole'), undefined);
  });
});

/** A real SDK failure of GetCallerIdentity against `endpoint`. */
async function sdkFailure(endpoint: string): Promise<unknown> {
  const client = new STSClient({
    region: 'us-east-1',
    endpoint,
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
  });
  try {
    return await client.send(new GetCallerIdentityCommand({})).then(
      () => assert.fail('expected a connection failure'),
      (e: unknown) => e,
    );
  } finally {
    client.destroy();
  }
}

describe('isLastingNetworkFailure', () => {
  it('treats a refused connection as lasting and names host and port in aws_unreachable', async () => {
    const port = await closedPort();
    const error = await sdkFailure(`http://127.0.0.1:${port}`);
    assert.equal(networkErrorCode(error), 'ECONNREFUSED');
    assert.equal(isLastingNetworkFailure(error), true);
    const typed = genericStsError(error, 'GetCallerIdentity');
    assert.equal(typed?.code, 'aws_unreachable');
    assert.match(
      typed?.message ?? '',
      new RegExp(`at 127\\.0\\.0\\.1:${port} .*ECONNREFUSED: the connection was refused`),
    );
  });

  it('treats a host name DNS cannot resolve as lasting and names the host', async () => {
    const error = await sdkFailure('http://sts.nonexistent.invalid');
    assert.match(networkErrorCode(error) ?? '', /^(ENOTFOUND|EAI_AGAIN)$/);
    assert.equal(isLastingNetworkFailure(error), true);
    assert.match(
      genericStsError(error, 'GetSessionToken')?.message ?? '',
      /at sts\.nonexistent\.invalid for GetSessionToken/,
    );
  });

  it('keeps resets and timeouts retryable, and never calls an AWS answer a network failure', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    const wrapped = new Error('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }),
    });
    for (const error of [reset, timeout, wrapped]) {
      assert.equal(classifyStsError(error), 'network');
      assert.equal(isLastingNetworkFailure(error), false);
    }
    const aggregate = Object.assign(
      new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]),
      {
        code: 'ECONNREFUSED',
      },
    );
    assert.equal(isLastingNetworkFailure(aggregate), true);
    assert.equal(isLastingNetworkFailure(awsError('Throttling', 'Rate exceeded', 400)), false);
    assert.equal(networkErrorCode(awsError('AccessDenied', 'no', 403)), undefined);
  });

  it('names the endpoint it is given rather than the socket error', () => {
    const error = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
    const typed = genericStsError(error, 'GetSessionToken', { endpointHost: 'sts.eu-west-1.amazonaws.com' });
    assert.equal(
      typed?.message,
      "Could not reach AWS STS at sts.eu-west-1.amazonaws.com for GetSessionToken (EAI_AGAIN: DNS could not resolve the host name); check the network and DNS, and the connector's endpoints.sts.",
    );
    assert.deepEqual(typed?.details, { networkCode: 'EAI_AGAIN', host: 'sts.eu-west-1.amazonaws.com' });
  });
});
