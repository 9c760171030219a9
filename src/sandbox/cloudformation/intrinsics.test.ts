// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub text, not JS templates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type IntrinsicScope, referencedNames, resolveIntrinsics } from './intrinsics.js';
import { resolveParameters } from './templateParameters.js';
import { parseTemplate } from './templateParser.js';

const scope: IntrinsicScope = {
  values: new Map<string, string | string[]>([
    ['AWS::AccountId', '012345678901'],
    ['AWS::Partition', 'aws'],
    ['AWS::Region', 'eu-west-1'],
    ['Env', 'prod'],
    ['Subnets', ['a', 'b', 'c']],
  ]),
  resources: new Map([
    [
      'Role',
      {
        physicalId: 'my-role',
        attributes: { Arn: 'arn:aws:iam::012345678901:role/my-role', RoleId: 'AROAXYZ' },
      },
    ],
  ]),
  mappings: { Sizes: { prod: { Count: 3 } } },
};

describe('template parsing and intrinsic functions', () => {
  it('reads YAML short tags into the long form', () => {
    const template = parseTemplate(`
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub '\${Env}-role'
      Description: !Join [':', [!Ref Env, !GetAtt Role.Arn]]
      Path: !Select [1, !Split [',', 'x,/y/,z']]
`);
    assert.deepEqual(template.resources.Role?.Properties, {
      RoleName: { 'Fn::Sub': '${Env}-role' },
      Description: { 'Fn::Join': [':', [{ Ref: 'Env' }, { 'Fn::GetAtt': ['Role', 'Arn'] }]] },
      Path: { 'Fn::Select': [1, { 'Fn::Split': [',', 'x,/y/,z'] }] },
    });
  });

  it('evaluates Ref, Fn::Sub in both forms, Fn::GetAtt, Fn::Join, Fn::Select, Fn::FindInMap and AWS::NoValue', () => {
    const resolved = resolveIntrinsics(
      {
        name: { Ref: 'Role' },
        arn: { 'Fn::GetAtt': ['Role', 'Arn'] },
        principal: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' },
        viaAttribute: { 'Fn::Sub': '${Role.RoleId}/${!Literal}' },
        withVariables: { 'Fn::Sub': ['${Prefix}-${Env}', { Prefix: { Ref: 'AWS::Region' } }] },
        joined: { 'Fn::Join': ['-', [{ Ref: 'Env' }, 'x', { 'Fn::Select': [2, { Ref: 'Subnets' }] }]] },
        count: { 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Count'] },
        dropped: { Ref: 'AWS::NoValue' },
        list: ['keep', { Ref: 'AWS::NoValue' }],
      },
      scope,
    );
    assert.deepEqual(resolved, {
      name: 'my-role',
      arn: 'arn:aws:iam::012345678901:role/my-role',
      principal: 'arn:aws:iam::012345678901:root',
      viaAttribute: 'AROAXYZ/${Literal}',
      withVariables: 'eu-west-1-prod',
      joined: 'prod-x-c',
      count: 3,
      list: ['keep'],
    });
  });

  it('names the unknown attribute or reference it cannot resolve', () => {
    assert.throws(() => resolveIntrinsics({ 'Fn::GetAtt': ['Role', 'Nope'] }, scope), {
      name: 'AwsError',
      message: 'Template error: resource Role does not support attribute type Nope in Fn::GetAtt',
    });
    assert.throws(() => resolveIntrinsics({ 'Fn::If': ['C', 1, 2] }, scope), /Fn::If is not supported/);
  });

  it('finds what a value refers to, leaving out pseudo parameters and Sub variables', () => {
    const names = referencedNames({
      a: { Ref: 'Param' },
      b: { 'Fn::GetAtt': 'Role.Arn' },
      c: { 'Fn::Sub': ['${Local}-${Other.Attr}-${AWS::Region}-${!Skip}', { Local: { Ref: 'Third' } }] },
    });
    assert.deepEqual([...names].sort(), ['Other', 'Param', 'Role', 'Third']);
  });

  it('refuses malformed templates with a template format error', () => {
    assert.throws(() => parseTemplate('Resources: {}'), {
      message: 'Template format error: At least one Resources member must be defined.',
    });
    assert.throws(
      () => parseTemplate('Resources:\n  R:\n    Properties: {}\n'),
      /Every Resources object must contain a Type member/,
    );
    assert.throws(() => parseTemplate('Resources: [unclosed'), /Template format error: YAML not well-formed/);
    assert.throws(() => parseTemplate('{"Resources": '), /Template format error: JSON not well-formed/);
    assert.throws(
      () => parseTemplate('Bogus: 1\nResources:\n  R:\n    Type: X\n'),
      /Invalid template property or properties \[Bogus\]/,
    );
  });

  it('checks parameters against their declarations and fills defaults', () => {
    const template = parseTemplate(`
Parameters:
  ExternalId: { Type: String, MinLength: 2, AllowedPattern: '[\\w+=,.@:/-]*' }
  Duration: { Type: Number, Default: 3600, MaxValue: 43200 }
  Env: { Type: String, AllowedValues: [dev, prod], Default: dev }
Resources:
  R: { Type: AWS::IAM::Role }
`);
    const resolved = resolveParameters(template, { ExternalId: 'abc' });
    assert.deepEqual(resolved.asText, { ExternalId: 'abc', Duration: '3600', Env: 'dev' });
    assert.throws(() => resolveParameters(template, {}), {
      message: 'Parameters: [ExternalId] must have values',
    });
    assert.throws(() => resolveParameters(template, { ExternalId: 'abc', Nope: 'x' }), {
      message: 'Parameters: [Nope] do not exist in the template',
    });
    assert.throws(() => resolveParameters(template, { ExternalId: 'abc', Env: 'qa' }), {
      message: "Parameter 'Env' must be one of AllowedValues",
    });
    assert.throws(
      () => resolveParameters(template, { ExternalId: 'a b' }),
      /Parameter 'ExternalId' must match pattern/,
    );
    assert.throws(() => resolveParameters(template, { ExternalId: 'ab', Duration: 'x' }), {
      message: "Parameter 'Duration' must be a number.",
    });
  });
});
