/**
 * The awsQuery protocol the installed SDK clients speak for STS, IAM and CloudFormation: a POST of
 * `Action=...&Version=...` form fields, answered with `<ActionResponse><ActionResult>` XML.
 */
import { QUERY_NAMESPACES, type QueryService } from './errorResponses.js';
import type { SandboxRequest, SandboxResponse } from './protocol.js';

/** The request's parameters: the form body of a POST, else the query string. */
export function readQueryParams(request: SandboxRequest): URLSearchParams {
  if (request.method === 'POST' && request.body.length > 0)
    return new URLSearchParams(request.body.toString('utf8'));
  return request.query;
}

/** `<{action}Response xmlns><{action}Result>{resultXml}</...><ResponseMetadata><RequestId/>...`; no Result element when `resultXml` is undefined. */
export function renderQueryResult(
  service: QueryService,
  action: string,
  resultXml: string | undefined,
  requestId: string,
): SandboxResponse {
  const result = resultXml === undefined ? '' : `<${action}Result>${resultXml}</${action}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body:
      `<${action}Response xmlns="${QUERY_NAMESPACES[service]}">${result}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}
