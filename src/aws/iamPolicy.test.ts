import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConnectorConfig } from './connectorConfig.js';
import { connectorUserPolicy } from './iamPolicy.js';

describe('connectorUserPolicy', () => {
  it('allows assuming the connector role in any account and writing templates under the prefix, nothing else', () => {
    const config = parseConnectorConfig({
      bucketName: 'acme-templates',
      bucketPrefix: 'skybridge/templates',
      rolePath: '/integrations/',
      roleName: 'AcmeRole',
    });
    assert.deepEqual(connectorUserPolicy(config), {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AssumeTenantRoles',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::*:role/integrations/AcmeRole',
        },
        {
          Sid: 'PublishTenantTemplates',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:DeleteObject'],
          Resource: 'arn:aws:s3:::acme-templates/skybridge/templates/*',
        },
      ],
    });
  });

  it('has no doubled slash when the prefix is empty, and uses the connector partition', () => {
    const config = parseConnectorConfig({
      bucketName: 'acme-cn',
      bucketPrefix: '',
      defaultRegion: 'cn-north-1',
    });
    const [assume, publish] = connectorUserPolicy(config).Statement;
    assert.equal(assume?.Resource, 'arn:aws-cn:iam::*:role/skybridge-connector-role');
    assert.equal(publish?.Resource, 'arn:aws-cn:s3:::acme-cn/*');
  });
});
