import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyDocument } from './model.js';
import { type AssumeRoleContext, trustPolicyAllows } from './trustPolicy.js';

const caller: AssumeRoleContext = {
  principalArn: 'arn:aws:iam::111122223333:user/bot',
  principalAccount: '111122223333',
};

function allow(
  condition: Record<string, Record<string, string | string[]>>,
  principal = '111122223333',
): PolicyDocument {
  return {
    Statement: [
      { Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', Condition: condition },
    ],
  };
}

describe('trust policy evaluation', () => {
  it('matches principals by account id, root ARN, exact ARN or "*", and nothing else', () => {
    assert.equal(trustPolicyAllows(allow({}), caller), true);
    assert.equal(trustPolicyAllows(allow({}, 'arn:aws:iam::111122223333:root'), caller), true);
    assert.equal(trustPolicyAllows(allow({}, caller.principalArn), caller), true);
    assert.equal(trustPolicyAllows(allow({}, '*'), caller), true);
    assert.equal(trustPolicyAllows(allow({}, '999999999999'), caller), false);
    assert.equal(trustPolicyAllows(allow({}, 'arn:aws:iam::111122223333:user/other'), caller), false);
  });

  it('treats a missing key as a mismatch, except for IfExists and negated operators', () => {
    assert.equal(trustPolicyAllows(allow({ StringEquals: { 'sts:ExternalId': 'abc' } }), caller), false);
    assert.equal(
      trustPolicyAllows(allow({ StringEqualsIfExists: { 'sts:ExternalId': 'abc' } }), caller),
      true,
    );
    assert.equal(trustPolicyAllows(allow({ StringNotEquals: { 'sts:ExternalId': 'abc' } }), caller), true);
    assert.equal(trustPolicyAllows(allow({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }), caller), false);
    assert.equal(
      trustPolicyAllows(allow({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } }), caller),
      true,
    );
    assert.equal(trustPolicyAllows(allow({ Null: { 'sts:ExternalId': 'false' } }), caller), false);
  });

  it('matches any of several values and wildcards in StringLike', () => {
    const withId = { ...caller, externalId: 'tenant-42' };
    assert.equal(
      trustPolicyAllows(allow({ StringEquals: { 'sts:ExternalId': ['x1', 'tenant-42'] } }), withId),
      true,
    );
    assert.equal(trustPolicyAllows(allow({ StringLike: { 'sts:ExternalId': 'tenant-*' } }), withId), true);
    assert.equal(trustPolicyAllows(allow({ StringLike: { 'sts:ExternalId': 'tenant-?' } }), withId), false);
    assert.equal(trustPolicyAllows(allow({ 'sts:ExternalId': { StringEquals: 'x' } }), withId), false);
  });

  it('lets a matching Deny win and ignores statements for other actions', () => {
    const policy: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { AWS: '111122223333' }, Action: 'sts:AssumeRole' },
      ],
    };
    assert.equal(trustPolicyAllows(policy, caller), false);
    const otherAction: PolicyDocument = {
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:TagSession' }],
    };
    assert.equal(trustPolicyAllows(otherAction, caller), false);
  });
});
