import type { ConnectorConfig } from './connectorConfig.js';
import { partitionOfRegion } from './regions.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/**
 * The least-privilege policy for the connector's IAM user: assume the connector's role (by name and
 * path, in any tenant account) and write/delete template objects under the prefix. GetSessionToken
 * and GetCallerIdentity need no permission, so nothing else is granted.
 */
export function connectorUserPolicy(
  config: Pick<ConnectorConfig, 'defaultRegion' | 'rolePath' | 'roleName' | 'bucketName' | 'bucketPrefix'>,
): PolicyDocument {
  const partition = partitionOfRegion(config.defaultRegion);
  const objects = config.bucketPrefix === '' ? '*' : `${config.bucketPrefix}/*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumeTenantRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: `arn:${partition}:iam::*:role${config.rolePath}${config.roleName}`,
      },
      {
        Sid: 'PublishTenantTemplates',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:DeleteObject'],
        Resource: `arn:${partition}:s3:::${config.bucketName}/${objects}`,
      },
    ],
  };
}
