import type { ConnectorConfig } from './connectorConfig.js';

/** Bumped whenever the default template's text changes, so installs can be told apart and updated. */
export const DEFAULT_TEMPLATE_VERSION = 'v1';

/** The role's own ceiling; AssumeRole asking for more fails, so it follows tenantSessionSeconds when that is longer. */
const DEFAULT_MAX_SESSION_SECONDS = 3600;

/**
 * The built-in CloudFormation template (YAML) for a connector: one IAM role trusting the base
 * account only with the tenant's external id, granting config.tenantPolicy. Placeholders stay in the
 * text for the renderer; every placeholder sits inside single quotes so YAML reads it as a string
 * (an account id like 012345678901 must not become a number). Actions and resources were validated by
 * the config schema and are written as JSON strings, which YAML reads the same way.
 */
export function defaultTemplateText(config: Pick<ConnectorConfig, 'tenantPolicy' | 'iam'>): string {
  const maxSession = Math.max(DEFAULT_MAX_SESSION_SECONDS, config.iam.tenantSessionSeconds);
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  return `AWSTemplateFormatVersion: '2010-09-09'
Description: 'Skybridge connector role (template ${DEFAULT_TEMPLATE_VERSION})'
Metadata:
  SkybridgeTemplateVersion: '${DEFAULT_TEMPLATE_VERSION}'
Resources:
  Role:
    Type: 'AWS::IAM::Role'
    Properties:
      RoleName: '##ROLE_NAME##'
      Path: '##ROLE_PATH##'
      MaxSessionDuration: ${maxSession}
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Sid: 'TrustSkybridgeWithExternalId'
            Effect: Allow
            Principal:
              AWS: 'arn:##PARTITION##:iam::##BASE_ACCOUNT_ID##:root'
            Action: 'sts:AssumeRole'
            Condition:
              StringEquals:
                'sts:ExternalId': '##EXTERNAL_ID##'
      Policies:
        - PolicyName: 'skybridge-tenant-access'
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: 'SkybridgeTenantAccess'
                Effect: Allow
                Action: ${list(config.tenantPolicy.actions)}
                Resource: ${list(config.tenantPolicy.resources)}
Outputs:
  RoleArn:
    Description: 'The ARN of the role to give Skybridge'
    Value: !GetAtt Role.Arn
`;
}
