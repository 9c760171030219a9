/**
 * AWS error bodies in the two shapes the SDK parses: the Query protocol's `<ErrorResponse>` (STS,
 * IAM, CloudFormation) and S3's bare `<Error>`. The SDK names its exception after `<Code>`, so
 * `error.name` in a test reads exactly like AWS.
 */
import { AwsError, type SandboxResponse, xmlEscape } from './protocol.js';

/** The XML namespaces of the Query services, as AWS answers them. */
export const QUERY_NAMESPACES = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  cloudformation: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
} as const;

export type QueryService = keyof typeof QUERY_NAMESPACES;

/** Anything thrown inside a service becomes an AwsError; unexpected faults are a 500 InternalFailure. */
export function toAwsError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AwsError(
    'InternalFailure',
    `The sandbox failed to process the request: ${message}`,
    500,
    'Receiver',
  );
}

function extraFields(error: AwsError): string {
  return Object.entries(error.extra.fields ?? {})
    .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
    .join('');
}

/** `<ErrorResponse xmlns><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function renderQueryError(error: AwsError, requestId: string, service: QueryService): SandboxResponse {
  const body =
    `<ErrorResponse xmlns="${QUERY_NAMESPACES[service]}"><Error><Type>${error.type}</Type>` +
    `<Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message>${extraFields(error)}` +
    `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', ...error.extra.headers },
    body,
  };
}

/** S3's `<Error><Code/><Message/>...<RequestId/></Error>`; a HEAD answer carries no body. */
export function renderS3Error(error: AwsError, requestId: string, method: string): SandboxResponse {
  const headers = { 'content-type': 'application/xml', ...error.extra.headers };
  if (method === 'HEAD') return { status: error.status, headers };
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message>${extraFields(error)}` +
    `<RequestId>${requestId}</RequestId><HostId>sandbox</HostId></Error>`;
  return { status: error.status, headers, body };
}
