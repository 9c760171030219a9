/**
 * AWS region names and the partition each belongs to. The partition decides ARNs (`arn:aws-cn:...`),
 * S3 host names and console hosts, and two accounts in different partitions can never trust each other.
 */

export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

/** Public regions by partition (opt-in regions included; they fail at STS if the account has not enabled them). */
export const REGIONS_BY_PARTITION: Readonly<Record<Partition, readonly string[]>> = {
  aws: [
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
    'af-south-1',
    'ap-east-1',
    'ap-east-2',
    'ap-south-1',
    'ap-south-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ap-southeast-5',
    'ap-southeast-6',
    'ap-southeast-7',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-south-1',
    'eu-south-2',
    'eu-north-1',
    'il-central-1',
    'me-south-1',
    'me-central-1',
    'mx-central-1',
    'sa-east-1',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
};

const partitionByRegion = new Map<string, Partition>(
  (Object.entries(REGIONS_BY_PARTITION) as [Partition, readonly string[]][]).flatMap(([partition, regions]) =>
    regions.map((region) => [region, partition] as const),
  ),
);

export const PARTITIONS: readonly Partition[] = ['aws', 'aws-cn', 'aws-us-gov'];

export function isKnownRegion(region: string): boolean {
  return partitionByRegion.has(region);
}

export function isPartition(value: string): value is Partition {
  return (PARTITIONS as readonly string[]).includes(value);
}

/**
 * The partition of a known region. Unknown names fall back on the prefix (`cn-`, `us-gov-`) so a region
 * launched after this list was written still gets the right ARNs; configuration refuses unknown names.
 */
export function partitionOfRegion(region: string): Partition {
  const known = partitionByRegion.get(region);
  if (known) return known;
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The DNS suffix of a partition's service endpoints (`s3.<region>.<suffix>`). */
export function dnsSuffixOfPartition(partition: Partition): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}
