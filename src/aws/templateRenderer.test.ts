import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SkybridgeError } from '../core/index.js';
import { type ConnectorConfig, parseConnectorConfig } from './connectorConfig.js';
import { DEFAULT_TEMPLATE_VERSION } from './defaultTemplate.js';
import { parseTemplateText, renderTemplate, substitutePlaceholders } from './templateRenderer.js';

const TENANT = { baseAccountId: '012345678901', externalId: 'skybridge-Zm9vYmFyYmF6cXV4' };

// biome-ignore lint/suspicious/noExplicitAny: the tests walk parsed templates whose shape they assert
type Parsed = Record<string, any>;

function renderFailed(messagePart: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SkybridgeError);
    assert.equal(error.code, 'template_render_failed');
    if (typeof messagePart === 'string') assert.ok(error.message.includes(messagePart), error.message);
    else assert.match(error.message, messagePart);
    return true;
  };
}

describe('renderTemplate with the default template', () => {
  const config = parseConnectorConfig({
    bucketName: 'acme',
    roleName: 'AcmeConnector',
    rolePath: '/integrations/',
    tenantPolicy: { actions: ['s3:ListAllMyBuckets', 's3:Get*'], resources: ['arn:aws:s3:::acme-*'] },
  });
  const { body, version } = renderTemplate(config, TENANT);
  const template = parseTemplateText(body) as Parsed;
  const role = template.Resources.Role;

  it('is versioned in the description and the metadata', () => {
    assert.equal(version, DEFAULT_TEMPLATE_VERSION);
    assert.equal(template.AWSTemplateFormatVersion, '2010-09-09');
    assert.equal(template.Description, `Skybridge connector role (template ${DEFAULT_TEMPLATE_VERSION})`);
    assert.equal(template.Metadata.SkybridgeTemplateVersion, DEFAULT_TEMPLATE_VERSION);
  });

  it('creates the named role with its path and a one-hour session ceiling', () => {
    assert.equal(role.Type, 'AWS::IAM::Role');
    assert.equal(role.Properties.RoleName, 'AcmeConnector');
    assert.equal(role.Properties.Path, '/integrations/');
    assert.equal(role.Properties.MaxSessionDuration, 3600);
  });

  it('trusts the base account (leading zero kept) only with the external id', () => {
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
      {
        Sid: 'TrustSkybridgeWithExternalId',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::012345678901:root' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': TENANT.externalId } },
      },
    ]);
  });

  it('grants the configured actions on the configured resources', () => {
    const [policy] = role.Properties.Policies;
    assert.deepEqual(policy.PolicyDocument.Statement[0].Action, ['s3:ListAllMyBuckets', 's3:Get*']);
    assert.deepEqual(policy.PolicyDocument.Statement[0].Resource, ['arn:aws:s3:::acme-*']);
  });

  it('outputs the role ARN through GetAtt', () => {
    assert.deepEqual(template.Outputs.RoleArn.Value, { 'Fn::GetAtt': ['Role', 'Arn'] });
  });

  it('leaves no placeholder in the text', () => {
    assert.doesNotMatch(body, /##[A-Z_]+##/);
  });

  it('uses the connector partition in the trusted principal', () => {
    const cn = parseConnectorConfig({ bucketName: 'acme', defaultRegion: 'cn-north-1' });
    const parsed = parseTemplateText(renderTemplate(cn, TENANT).body) as Parsed;
    const [statement] = parsed.Resources.Role.Properties.AssumeRolePolicyDocument.Statement;
    assert.equal(statement.Principal.AWS, 'arn:aws-cn:iam::012345678901:root');
  });

  it('raises the role ceiling to tenantSessionSeconds when that is longer (no MFA)', () => {
    const long = parseConnectorConfig({ bucketName: 'acme', iam: { tenantSessionSeconds: 7200 } });
    const parsed = parseTemplateText(renderTemplate(long, TENANT).body) as Parsed;
    assert.equal(parsed.Resources.Role.Properties.MaxSessionDuration, 7200);
  });
});

const CUSTOM = `AWSTemplateFormatVersion: '2010-09-09'
Metadata:
  BaseAccount: '##BASE_ACCOUNT_ID##'
Conditions:
  InUsEast1: !Equals [!Ref 'AWS::Region', us-east-1]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: '##ROLE_NAME##'
      Path: '##ROLE_PATH##'
      Tags:
        - { Key: external-id, Value: '##EXTERNAL_ID##' }
        - { Key: az, Value: !Select [0, !GetAZs ''] }
        - { Key: joined, Value: !Join ['-', [a, !Ref 'AWS::AccountId']] }
        - { Key: sub, Value: !Sub 'arn:\${AWS::Partition}:iam::##BASE_ACCOUNT_ID##:root' }
        - { Key: pick, Value: !If [InUsEast1, yes-east, !Base64 other] }
        - { Key: cidr, Value: !Select [0, !Cidr ['10.0.0.0/16', 4, 8]] }
      AssumeRolePolicyDocument:
        Statement:
          - Principal: { AWS: 'arn:##PARTITION##:iam::##BASE_ACCOUNT_ID##:root' }
            Action: sts:AssumeRole
            Condition: { StringEquals: { 'sts:ExternalId': '##EXTERNAL_ID##' } }
Outputs:
  RoleArn:
    Value: !GetAtt [Role, Arn]
    Export: { Name: !Sub '\${AWS::StackName}-role' }
  Imported:
    Condition: InUsEast1
    Value: !ImportValue { 'Fn::Sub': 'x' }
`;

function withTemplate(template: string): ConnectorConfig {
  return parseConnectorConfig({ bucketName: 'acme', roleName: 'Custom', template });
}

describe('renderTemplate with a custom template', () => {
  it('C9: replaces every occurrence of a placeholder used several times', () => {
    const { body } = renderTemplate(withTemplate(CUSTOM), TENANT);
    assert.equal(body.split(TENANT.externalId).length - 1, 2);
    assert.equal(body.split('012345678901').length - 1, 3);
    assert.doesNotMatch(body, /##/);
  });

  it('keeps a quoted account id with a leading zero as a 12-character string', () => {
    const parsed = parseTemplateText(renderTemplate(withTemplate(CUSTOM), TENANT).body) as Parsed;
    assert.equal(parsed.Metadata.BaseAccount, '012345678901');
  });

  it('reads CloudFormation short-form tags in their long forms', () => {
    const parsed = parseTemplateText(renderTemplate(withTemplate(CUSTOM), TENANT).body) as Parsed;
    const tags = parsed.Resources.Role.Properties.Tags.map((t: { Value: unknown }) => t.Value);
    assert.deepEqual(tags, [
      TENANT.externalId,
      { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      { 'Fn::Join': ['-', ['a', { Ref: 'AWS::AccountId' }]] },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation !Sub expression, not a JS template
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::012345678901:root' },
      { 'Fn::If': ['InUsEast1', 'yes-east', { 'Fn::Base64': 'other' }] },
      { 'Fn::Select': [0, { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] }] },
    ]);
    assert.deepEqual(parsed.Conditions.InUsEast1, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
    assert.deepEqual(parsed.Outputs.RoleArn.Value, { 'Fn::GetAtt': ['Role', 'Arn'] });
    assert.deepEqual(parsed.Outputs.Imported.Value, { 'Fn::ImportValue': { 'Fn::Sub': 'x' } });
  });

  it('versions a custom template by a hash of its text, or by its declared version', () => {
    const first = renderTemplate(withTemplate(CUSTOM), TENANT).version;
    assert.match(first, /^custom-[0-9a-f]{12}$/);
    assert.equal(renderTemplate(withTemplate(CUSTOM), TENANT).version, first);
    assert.notEqual(renderTemplate(withTemplate(`${CUSTOM}# changed\n`), TENANT).version, first);
    const declared = CUSTOM.replace('Metadata:\n', "Metadata:\n  SkybridgeTemplateVersion: '2024-06'\n");
    assert.equal(renderTemplate(withTemplate(declared), TENANT).version, '2024-06');
  });

  it('renders a JSON template', () => {
    const json = JSON.stringify({
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: '##ROLE_NAME##',
            AssumeRolePolicyDocument: {
              Statement: [
                {
                  Principal: { AWS: 'arn:aws:iam::##BASE_ACCOUNT_ID##:root' },
                  Condition: { StringEquals: { 'sts:ExternalId': '##EXTERNAL_ID##' } },
                },
              ],
            },
          },
        },
      },
    });
    const parsed = parseTemplateText(renderTemplate(withTemplate(json), TENANT).body) as Parsed;
    assert.equal(parsed.Resources.Role.Properties.RoleName, 'Custom');
  });

  it('C9: refuses a custom template missing a required placeholder when the connector is saved', () => {
    assert.throws(() => withTemplate(CUSTOM.replaceAll("'##ROLE_NAME##'", 'Fixed')), {
      code: 'invalid_connector_config',
      field: 'template',
      message: 'template: must contain the placeholders ##ROLE_NAME##',
    });
  });

  it('C9: fails when a placeholder is left over', () => {
    const config = { ...withTemplate(CUSTOM), template: `${CUSTOM}# ##TENANT_NAME##\n` };
    assert.throws(() => renderTemplate(config, TENANT), renderFailed('left over: ##TENANT_NAME##'));
  });

  it('fails clearly when the rendered text does not parse', () => {
    const config = { ...withTemplate(CUSTOM), template: `${CUSTOM}  Bad: [unclosed\n` };
    assert.throws(() => renderTemplate(config, TENANT), renderFailed('does not parse as YAML or JSON'));
  });

  it('fails when the account id is inserted unquoted, since YAML would drop its leading zero', () => {
    const config = {
      ...withTemplate(CUSTOM),
      template: `${CUSTOM}  Plain:\n    Value: ##BASE_ACCOUNT_ID##\n`,
    };
    assert.throws(() => renderTemplate(config, TENANT), renderFailed("write '##BASE_ACCOUNT_ID##'"));
  });
});

describe('placeholder values', () => {
  it('C9: refuses a role name containing $& when the connector is saved', () => {
    assert.throws(() => parseConnectorConfig({ bucketName: 'acme', roleName: 'a$&b' }), {
      code: 'invalid_connector_config',
      field: 'roleName',
    });
  });

  it('C9: validates values before insertion, even when the configuration was not parsed', () => {
    const config = { ...parseConnectorConfig({ bucketName: 'acme' }), roleName: 'a$&b' };
    assert.throws(() => renderTemplate(config, TENANT), renderFailed('##ROLE_NAME## must be'));
  });

  it('refuses an account id that is not 12 digits and an external id STS would refuse', () => {
    const config = parseConnectorConfig({ bucketName: 'acme' });
    assert.throws(
      () => renderTemplate(config, { ...TENANT, baseAccountId: '12345678901' }),
      renderFailed('##BASE_ACCOUNT_ID## must be exactly 12 digits'),
    );
    assert.throws(
      () => renderTemplate(config, { ...TENANT, externalId: 'tenant 42' }),
      renderFailed('##EXTERNAL_ID## must be'),
    );
  });

  it('inserts values literally, special characters included', () => {
    const values = {
      ROLE_NAME: 'r+=,.@_-',
      EXTERNAL_ID: 'e:/+=,.@_-',
      BASE_ACCOUNT_ID: '000000000001',
      ROLE_PATH: '/p/',
      PARTITION: 'aws',
    };
    const text =
      "a: '##ROLE_NAME##|##EXTERNAL_ID##|##EXTERNAL_ID##|##BASE_ACCOUNT_ID##|##ROLE_PATH##|##PARTITION##'";
    assert.equal(
      substitutePlaceholders(text, values),
      "a: 'r+=,.@_-|e:/+=,.@_-|e:/+=,.@_-|000000000001|/p/|aws'",
    );
  });
});

describe('placeholders that YAML would not read as the text of their value (decision 6)', () => {
  const ROLE = (roleName: string, line: string) =>
    CUSTOM.replace("      RoleName: '##ROLE_NAME##'\n", `${line}\n`).replace("'##ROLE_NAME##'", roleName);

  for (const [what, roleName] of [
    ['a number with a leading zero', '007'],
    ['a boolean', 'true'],
    ['a hexadecimal number', '0x1F'],
    ['null', 'null'],
  ] as const) {
    it(`C9: refuses an unquoted ##ROLE_NAME## whose value YAML reads as ${what} ("${roleName}")`, () => {
      const config = parseConnectorConfig({
        bucketName: 'acme',
        roleName: 'Custom',
        template: ROLE('x', '      RoleName: ##ROLE_NAME##'),
      });
      assert.throws(
        () => renderTemplate({ ...config, roleName }, TENANT),
        renderFailed(
          `uses ##ROLE_NAME## outside quotes, so YAML does not read its value "${roleName}" as text`,
        ),
      );
    });
  }

  it('C9: refuses an unquoted ##ROLE_NAME## in a flow list, where a comma would split it into two items', () => {
    const template = ROLE('x', "      RoleName: '##ROLE_NAME##'\n      ManagedPolicyArns: [##ROLE_NAME##]");
    const config = parseConnectorConfig({ bucketName: 'acme', roleName: 'Custom', template });
    assert.throws(
      () => renderTemplate({ ...config, roleName: 'a,b' }, TENANT),
      renderFailed("write '##ROLE_NAME##'"),
    );
  });

  it('C9: refuses, when the connector is saved, a template that would turn its own role name into a number', () => {
    assert.throws(
      () =>
        parseConnectorConfig({
          bucketName: 'acme',
          roleName: '007',
          template: ROLE('x', '      RoleName: ##ROLE_NAME##'),
        }),
      (error: unknown) =>
        error instanceof SkybridgeError &&
        error.code === 'invalid_connector_config' &&
        error.field === 'template' &&
        error.message.includes("write '##ROLE_NAME##'"),
    );
    // The same unquoted placeholder is harmless for a name YAML reads as text.
    const config = parseConnectorConfig({
      bucketName: 'acme',
      roleName: 'Custom',
      template: ROLE('x', '      RoleName: ##ROLE_NAME##'),
    });
    const parsed = parseTemplateText(renderTemplate(config, TENANT).body) as Parsed;
    assert.equal(parsed.Resources.Role.Properties.RoleName, 'Custom');
  });

  it('C9: refuses a custom template whose only ##EXTERNAL_ID## sits in a comment, when the connector is saved', () => {
    const template = `${CUSTOM.replaceAll("'##EXTERNAL_ID##'", "'fixed-external-id'")}# trust: ##EXTERNAL_ID##\n`;
    assert.throws(
      () => withTemplate(template),
      (error: unknown) =>
        error instanceof SkybridgeError &&
        error.code === 'invalid_connector_config' &&
        error.field === 'template' &&
        error.message.includes('uses ##EXTERNAL_ID## only in a comment or a key'),
    );
  });

  it('C9: refuses a custom template whose only ##ROLE_NAME## is a mapping key', () => {
    const template = CUSTOM.replace("      RoleName: '##ROLE_NAME##'\n", '').replace(
      'Metadata:\n',
      "Metadata:\n  '##ROLE_NAME##': described\n",
    );
    assert.throws(() => withTemplate(template), /uses ##ROLE_NAME## only in a comment or a key/);
  });

  it('renders an external id with every character STS allows (+=,.@:/_-) as the exact text, quoted', () => {
    const externalId = 'a+b=c,d.e@f:g/h_i-j';
    const parsed = parseTemplateText(
      renderTemplate(withTemplate(CUSTOM), { ...TENANT, externalId }).body,
    ) as Parsed;
    const statement = parsed.Resources.Role.Properties.AssumeRolePolicyDocument.Statement[0];
    assert.equal(statement.Condition.StringEquals['sts:ExternalId'], externalId);
  });
});
