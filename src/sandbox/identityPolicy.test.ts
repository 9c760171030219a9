import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAllowedByPolicies, MANAGED_POLICIES, wildcardMatches } from './identityPolicy.js';
import type { PolicyDocument } from './model.js';
import { conditionKeys } from './policyConditions.js';

const readReports: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::reports', 'arn:aws:s3:::reports/*'],
    },
    { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/secret/*' },
  ],
};

describe('identity policy matching', () => {
  it('matches actions case-insensitively with * and ? wildcards', () => {
    assert.equal(wildcardMatches('s3:Get*', 's3:getobject', true), true);
    assert.equal(wildcardMatches('s3:?etObject', 's3:GetObject', true), true);
    assert.equal(wildcardMatches('s3:?etObject', 's3:GGetObject', true), false);
    assert.equal(wildcardMatches('arn:aws:s3:::Reports/*', 'arn:aws:s3:::reports/a', false), false);
  });

  it('allows what a statement grants and nothing else', () => {
    assert.equal(
      isAllowedByPolicies([readReports], 's3:GetObject', 'arn:aws:s3:::reports/2024/q1.csv'),
      'allow',
    );
    assert.equal(isAllowedByPolicies([readReports], 's3:ListBucket', 'arn:aws:s3:::reports'), 'allow');
    assert.equal(isAllowedByPolicies([readReports], 's3:PutObject', 'arn:aws:s3:::reports/x'), 'none');
    assert.equal(isAllowedByPolicies([readReports], 's3:GetObject', 'arn:aws:s3:::other/x'), 'none');
  });

  it('lets an explicit Deny win over an Allow', () => {
    assert.equal(isAllowedByPolicies([readReports], 's3:GetObject', 'arn:aws:s3:::reports/secret/k'), 'deny');
  });

  it('reads NotAction as every action but the listed ones', () => {
    const allButIam: PolicyDocument = { Statement: { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' } };
    assert.equal(isAllowedByPolicies([allButIam], 's3:PutObject', 'arn:aws:s3:::b/k'), 'allow');
    assert.equal(
      isAllowedByPolicies([allButIam], 'iam:CreateRole', 'arn:aws:iam::111122223333:role/x'),
      'none',
    );
  });

  it('skips statements with conditions it cannot evaluate', () => {
    const conditional: PolicyDocument = {
      Statement: [
        {
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        },
      ],
    };
    assert.equal(isAllowedByPolicies([conditional], 's3:GetObject', 'arn:aws:s3:::b/k'), 'none');
  });

  it('applies a Deny whose condition it cannot evaluate, and evaluates conditions on keys it knows', () => {
    const allowAll: PolicyDocument = { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } };
    const denyUnknown: PolicyDocument = {
      Statement: {
        Effect: 'Deny',
        Action: 's3:*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
    };
    assert.equal(isAllowedByPolicies([allowAll, denyUnknown], 's3:GetObject', 'arn:aws:s3:::b/k'), 'deny');
    const denyOutsiders: PolicyDocument = {
      Statement: {
        Effect: 'Deny',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': '111122223333' } },
      },
    };
    const keys = (accountId: string) => conditionKeys({ 'aws:PrincipalAccount': accountId });
    assert.equal(
      isAllowedByPolicies(
        [allowAll, denyOutsiders],
        's3:GetObject',
        'arn:aws:s3:::b/k',
        keys('111122223333'),
      ),
      'allow',
    );
    assert.equal(
      isAllowedByPolicies(
        [allowAll, denyOutsiders],
        's3:GetObject',
        'arn:aws:s3:::b/k',
        keys('444455556666'),
      ),
      'deny',
    );
  });

  it('knows what the AWS managed S3 policies grant', () => {
    const readOnly = [MANAGED_POLICIES.get('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess')!];
    assert.equal(isAllowedByPolicies(readOnly, 's3:GetObject', 'arn:aws:s3:::b/k'), 'allow');
    assert.equal(isAllowedByPolicies(readOnly, 's3:ListAllMyBuckets', 'arn:aws:s3:::*'), 'allow');
    assert.equal(isAllowedByPolicies(readOnly, 's3:PutObject', 'arn:aws:s3:::b/k'), 'none');
    const full = [MANAGED_POLICIES.get('arn:aws:iam::aws:policy/AmazonS3FullAccess')!];
    assert.equal(isAllowedByPolicies(full, 's3:DeleteBucket', 'arn:aws:s3:::b'), 'allow');
    assert.equal(isAllowedByPolicies(full, 'iam:CreateRole', '*'), 'none');
    const admin = [MANAGED_POLICIES.get('arn:aws:iam::aws:policy/AdministratorAccess')!];
    assert.equal(isAllowedByPolicies(admin, 'iam:CreateRole', '*'), 'allow');
  });
});
