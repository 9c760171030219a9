/**
 * S3 answers a request signed for another region than the bucket's with 301 PermanentRedirect and
 * the bucket's region in `x-amz-bucket-region`, which the SDK's `followRegionRedirects` acts on.
 */
import type { S3Bucket } from '../model.js';
import { AwsError, type SandboxRequest } from '../protocol.js';

export function assertSignedForBucketRegion(request: SandboxRequest, bucket: S3Bucket): void {
  if (!request.signedRegion || request.signedRegion === bucket.region) return;
  throw new AwsError(
    'PermanentRedirect',
    'The bucket you are attempting to access must be addressed using the specified endpoint. ' +
      'Please send all future requests to this endpoint.',
    301,
    'Sender',
    {
      headers: { 'x-amz-bucket-region': bucket.region },
      // Every region of the sandbox is served on the same host, so the endpoint is the one called.
      fields: { Endpoint: request.host, Bucket: bucket.name },
    },
  );
}
