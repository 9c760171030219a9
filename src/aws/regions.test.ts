import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsSuffixOfPartition, isKnownRegion, partitionOfRegion, REGIONS_BY_PARTITION } from './regions.js';

describe('regions', () => {
  it('knows the commercial, China and GovCloud regions', () => {
    for (const region of ['us-east-1', 'eu-central-1', 'ap-southeast-2', 'cn-north-1', 'cn-northwest-1']) {
      assert.ok(isKnownRegion(region), region);
    }
    assert.ok(isKnownRegion('us-gov-west-1') && isKnownRegion('us-gov-east-1'));
    assert.equal(isKnownRegion('us-east-9'), false);
    assert.equal(isKnownRegion('US-EAST-1'), false);
  });

  it('derives the partition from the region', () => {
    assert.equal(partitionOfRegion('us-east-1'), 'aws');
    assert.equal(partitionOfRegion('cn-northwest-1'), 'aws-cn');
    assert.equal(partitionOfRegion('us-gov-east-1'), 'aws-us-gov');
    // A region newer than the list still gets its partition from the prefix.
    assert.equal(partitionOfRegion('cn-south-9'), 'aws-cn');
  });

  it('lists each region once', () => {
    const all = Object.values(REGIONS_BY_PARTITION).flat();
    assert.equal(new Set(all).size, all.length);
  });

  it('gives the DNS suffix of each partition', () => {
    assert.equal(dnsSuffixOfPartition('aws'), 'amazonaws.com');
    assert.equal(dnsSuffixOfPartition('aws-cn'), 'amazonaws.com.cn');
    assert.equal(dnsSuffixOfPartition('aws-us-gov'), 'amazonaws.com');
  });
});
