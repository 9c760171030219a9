/** S3's general-purpose bucket naming rules. */
import { AwsError } from '../protocol.js';

export function assertValidBucketName(name: string): void {
  const valid =
    name.length >= 3 &&
    name.length <= 63 &&
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.endsWith('-s3alias') &&
    !name.endsWith('--ol-s3');
  if (!valid) {
    throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, 'Sender', {
      fields: { BucketName: name },
    });
  }
}
