import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SkybridgeError } from '../core/index.js';
import {
  type ConnectorConfigInput,
  isMfaConfigured,
  parseConnectorConfig,
  redactConnectorConfig,
} from './connectorConfig.js';

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const OTP_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** A complete, valid configuration with MFA; each table row breaks one thing in a copy of it. */
function validInput(): Record<string, unknown> & { iam: Record<string, unknown> } {
  return {
    type: 'aws',
    bucketName: 'acme-skybridge-templates',
    iam: {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: SECRET_KEY,
      mfaSerial: 'arn:aws:iam::111122223333:mfa/integration-bot',
      otpSecret: OTP_SECRET,
    },
  };
}

const GOOD_TEMPLATE = `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: '##ROLE_NAME##'
      AssumeRolePolicyDocument:
        Statement:
          - Principal: { AWS: 'arn:aws:iam::##BASE_ACCOUNT_ID##:root' }
            Condition: { StringEquals: { 'sts:ExternalId': '##EXTERNAL_ID##' } }
`;

function expectProblem(input: unknown, field: string, rule: string | RegExp): SkybridgeError {
  let caught: unknown;
  try {
    parseConnectorConfig(input);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SkybridgeError, `expected a SkybridgeError for ${field}`);
  assert.equal(caught.code, 'invalid_connector_config');
  assert.equal(caught.status, 400);
  assert.equal(caught.field, field);
  assert.ok(caught.message.startsWith(`${field}: `), caught.message);
  if (typeof rule === 'string')
    assert.ok(caught.message.includes(rule), `"${caught.message}" should say "${rule}"`);
  else assert.match(caught.message, rule);
  return caught;
}

type Row = [name: string, change: (c: ReturnType<typeof validInput>) => void, field: string, rule: string];

const rows: Row[] = [
  ['bucket name too short', (c) => (c.bucketName = 'ab'), 'bucketName', 'must be 3 to 63 characters long'],
  [
    'bucket name too long',
    (c) => (c.bucketName = 'a'.repeat(64)),
    'bucketName',
    'must be 3 to 63 characters long',
  ],
  [
    'bucket name with capitals',
    (c) => (c.bucketName = 'Acme-templates'),
    'bucketName',
    'lowercase letters, digits',
  ],
  ['bucket name starting with a hyphen', (c) => (c.bucketName = '-acme'), 'bucketName', 'must start and end'],
  ['bucket name ending with a dot', (c) => (c.bucketName = 'acme.'), 'bucketName', 'must start and end'],
  ['bucket name with ..', (c) => (c.bucketName = 'acme..templates'), 'bucketName', 'two adjacent dots'],
  ['bucket name like an IP address', (c) => (c.bucketName = '192.168.5.4'), 'bucketName', 'IP address'],
  [
    'bucket name starting xn--',
    (c) => (c.bucketName = 'xn--acme'),
    'bucketName',
    'must not start with "xn--"',
  ],
  ['bucket name ending -s3alias', (c) => (c.bucketName = 'acme-s3alias'), 'bucketName', '-s3alias'],
  ['bucket name missing', (c) => delete c.bucketName, 'bucketName', 'is required'],
  [
    'bucket prefix with a space',
    (c) => (c.bucketPrefix = 'my templates'),
    'bucketPrefix',
    'may contain only',
  ],
  ['bucket prefix with ..', (c) => (c.bucketPrefix = 'a/../b'), 'bucketPrefix', '"." or ".." segments'],
  [
    'stack name starting with a digit',
    (c) => (c.stackName = '1stack'),
    'stackName',
    'must start with a letter',
  ],
  ['stack name with underscore', (c) => (c.stackName = 'my_stack'), 'stackName', 'must start with a letter'],
  ['stack name too long', (c) => (c.stackName = 's'.repeat(129)), 'stackName', 'must be 1 to 128 characters'],
  ['role name with a space', (c) => (c.roleName = 'my role'), 'roleName', 'may contain only letters'],
  ['role name too long', (c) => (c.roleName = 'r'.repeat(65)), 'roleName', 'must be 1 to 64 characters'],
  ['role name empty', (c) => (c.roleName = ''), 'roleName', 'must be 1 to 64 characters'],
  ['role path without slashes', (c) => (c.rolePath = 'integrations'), 'rolePath', 'must be "/" or segments'],
  ['unknown default region', (c) => (c.defaultRegion = 'us-east-9'), 'defaultRegion', 'known AWS region'],
  ['unknown bucket region', (c) => (c.bucketRegion = 'mars-1'), 'bucketRegion', 'known AWS region'],
  [
    'IAM region in another partition',
    (c) => (c.iam.region = 'cn-north-1'),
    'iam.region',
    'same AWS partition (aws)',
  ],
  [
    'bucket region in another partition',
    (c) => (c.bucketRegion = 'us-gov-west-1'),
    'bucketRegion',
    'same AWS partition (aws)',
  ],
  [
    'MFA serial that is not an MFA ARN',
    (c) => (c.iam.mfaSerial = 'arn:aws:iam::1111:user/bot'),
    'iam.mfaSerial',
    'must look like arn:aws:iam::<12-digit account id>:mfa/<device name>',
  ],
  [
    'MFA serial in another partition',
    (c) => (c.iam.mfaSerial = 'arn:aws-cn:iam::111122223333:mfa/bot'),
    'iam.mfaSerial',
    "connector's partition: arn:aws:iam",
  ],
  [
    'OTP secret with a non-base32 digit',
    (c) => (c.iam.otpSecret = 'GEZD1NBVGY3TQOJQ'),
    'iam.otpSecret',
    'base32',
  ],
  [
    'OTP secret with a lost character',
    (c) => (c.iam.otpSecret = `${OTP_SECRET}A`),
    'iam.otpSecret',
    'base32 cannot',
  ],
  ['OTP secret too short', (c) => (c.iam.otpSecret = 'GEZDGNBV'), 'iam.otpSecret', 'too short'],
  [
    'OTP secret without MFA serial',
    (c) => delete c.iam.mfaSerial,
    'iam.mfaSerial',
    'required when iam.otpSecret',
  ],
  [
    'MFA serial without OTP secret',
    (c) => delete c.iam.otpSecret,
    'iam.otpSecret',
    'required when iam.mfaSerial',
  ],
  [
    'access key id without secret',
    (c) => delete c.iam.secretAccessKey,
    'iam.secretAccessKey',
    'required when iam.accessKeyId',
  ],
  [
    'secret without access key id',
    (c) => delete c.iam.accessKeyId,
    'iam.accessKeyId',
    'required when iam.secretAccessKey',
  ],
  [
    'malformed access key id',
    (c) => (c.iam.accessKeyId = 'akia-1'),
    'iam.accessKeyId',
    '16 to 128 upper-case',
  ],
  [
    'C5: tenant sessions over an hour with MFA',
    (c) => (c.iam.tenantSessionSeconds = 7200),
    'iam.tenantSessionSeconds',
    'AWS limits roles assumed with MFA session credentials (role chaining) to one hour',
  ],
  [
    'tenant sessions under 15 minutes',
    (c) => (c.iam.tenantSessionSeconds = 899),
    'iam.tenantSessionSeconds',
    'must be 900 to 43200 seconds',
  ],
  [
    'base session under 15 minutes',
    (c) => (c.iam.baseSessionSeconds = 899),
    'iam.baseSessionSeconds',
    'must be 900 to 129600 seconds',
  ],
  [
    'base session over 36 hours',
    (c) => (c.iam.baseSessionSeconds = 129_601),
    'iam.baseSessionSeconds',
    'must be 900 to 129600 seconds',
  ],
  [
    'base session not a whole number',
    (c) => (c.iam.baseSessionSeconds = 1000.5),
    'iam.baseSessionSeconds',
    'whole number',
  ],
  [
    'base session as a string',
    (c) => (c.iam.baseSessionSeconds = '3600'),
    'iam.baseSessionSeconds',
    'number',
  ],
  [
    'template missing ##EXTERNAL_ID##',
    (c) => (c.template = GOOD_TEMPLATE.replace('##EXTERNAL_ID##', 'fixed')),
    'template',
    'must contain the placeholders ##EXTERNAL_ID##',
  ],
  [
    'template missing two placeholders',
    (c) => (c.template = 'Resources: {}\n# ##EXTERNAL_ID##\n'),
    'template',
    'must contain the placeholders ##ROLE_NAME##, ##BASE_ACCOUNT_ID##',
  ],
  [
    'template over 1 MB',
    (c) => (c.template = `${GOOD_TEMPLATE}# ${'x'.repeat(1_048_576)}\n`),
    'template',
    'must be at most 1048576 bytes',
  ],
  [
    'template with an unknown placeholder',
    (c) => (c.template = `${GOOD_TEMPLATE}# ##TENANT_NAME##\n`),
    'template',
    'unknown placeholders ##TENANT_NAME##',
  ],
  [
    'template that does not parse',
    (c) => (c.template = `${GOOD_TEMPLATE}  Broken: [unclosed\n`),
    'template',
    'cannot be rendered: The rendered template does not parse',
  ],
  [
    'template with the account id unquoted',
    (c) => (c.template = `${GOOD_TEMPLATE}Outputs:\n  Base:\n    Value: ##BASE_ACCOUNT_ID##\n`),
    'template',
    'outside quotes',
  ],
  ['empty template', (c) => (c.template = '  '), 'template', 'must not be empty'],
  [
    'action without a service',
    (c) => (c.tenantPolicy = { actions: ['GetObject'] }),
    'tenantPolicy.actions.0',
    'must look like service:Action',
  ],
  ['no actions', (c) => (c.tenantPolicy = { actions: [] }), 'tenantPolicy.actions', 'at least one action'],
  [
    'resource that is not an ARN',
    (c) => (c.tenantPolicy = { resources: ['my-bucket'] }),
    'tenantPolicy.resources.0',
    'must be "*" or an ARN',
  ],
  [
    'STS endpoint not http',
    (c) => (c.endpoints = { sts: 'ftp://127.0.0.1' }),
    'endpoints.sts',
    'http(s) URL',
  ],
  ['S3 endpoint not a URL', (c) => (c.endpoints = { s3: 'localhost' }), 'endpoints.s3', 'http(s) URL'],
  [
    'propagation timeout of zero',
    (c) => (c.verify = { propagationTimeoutSeconds: 0 }),
    'verify.propagationTimeoutSeconds',
    'must be 1 to 900 seconds',
  ],
  ['misspelled field', (c) => (c.bucketname = 'x'), 'bucketname', 'is not a known field'],
  ['misspelled IAM field', (c) => (c.iam.otpsecret = 'x'), 'iam.otpsecret', 'is not a known field'],
  ['another connector type', (c) => (c.type = 'gcp'), 'type', 'must be "aws"'],
  ['iam as a string', (c) => (c.iam = 'AKIA' as never), 'iam', 'must be an object'],
];

describe('parseConnectorConfig', () => {
  for (const [name, change, field, rule] of rows) {
    it(`refuses a ${name}, naming ${field}`, () => {
      const input = validInput();
      change(input);
      expectProblem(input, field, rule);
    });
  }

  it('accepts the valid base configuration of the table', () => {
    assert.equal(parseConnectorConfig(validInput()).bucketName, 'acme-skybridge-templates');
  });

  it('fills the contract defaults from a bucket name alone', () => {
    assert.deepEqual(parseConnectorConfig({ bucketName: 'acme-templates' }), {
      type: 'aws',
      roleName: 'skybridge-connector-role',
      rolePath: '/',
      stackName: 'skybridge-connector',
      bucketName: 'acme-templates',
      bucketPrefix: 'templates',
      bucketRegion: 'us-east-1',
      defaultRegion: 'us-east-1',
      tenantPolicy: {
        actions: [
          's3:ListAllMyBuckets',
          's3:GetBucketLocation',
          's3:ListBucket',
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
        ],
        resources: ['*'],
      },
      iam: { region: 'us-east-1', baseSessionSeconds: 43_200, tenantSessionSeconds: 3600 },
      verify: { requireExternalIdEnforced: true, propagationTimeoutSeconds: 90 },
      endpoints: { forcePathStyle: false },
    });
  });

  it('derives bucketRegion and iam.region from defaultRegion unless given', () => {
    const config = parseConnectorConfig({ bucketName: 'acme-templates', defaultRegion: 'eu-west-1' });
    assert.equal(config.bucketRegion, 'eu-west-1');
    assert.equal(config.iam.region, 'eu-west-1');
    const explicit = parseConnectorConfig({
      bucketName: 'acme-templates',
      defaultRegion: 'eu-west-1',
      bucketRegion: 'us-west-2',
      iam: { region: 'eu-central-1' },
    });
    assert.equal(explicit.bucketRegion, 'us-west-2');
    assert.equal(explicit.iam.region, 'eu-central-1');
  });

  it('normalises the bucket prefix: no leading, trailing or doubled slashes', () => {
    const prefix = (bucketPrefix: string) =>
      parseConnectorConfig({ bucketName: 'acme', bucketPrefix }).bucketPrefix;
    assert.equal(prefix('/templates//v1/'), 'templates/v1');
    assert.equal(prefix('templates'), 'templates');
    assert.equal(prefix(''), '');
    assert.equal(prefix('///'), '');
  });

  it('normalises an OTP secret pasted in lower case with spaces, dashes and padding (C18)', () => {
    const input = validInput();
    input.iam.otpSecret = 'gezd gnbv gy3t qojq-gezd gnbv gy3t qojq====';
    assert.equal(parseConnectorConfig(input).iam.otpSecret, OTP_SECRET);
  });

  it('strips trailing slashes from endpoints', () => {
    const config = parseConnectorConfig({
      bucketName: 'acme',
      endpoints: {
        s3: 'http://127.0.0.1:4566/',
        sts: 'http://127.0.0.1:4566',
        console: 'http://127.0.0.1:4566/c/',
      },
    });
    assert.deepEqual(config.endpoints, {
      s3: 'http://127.0.0.1:4566',
      sts: 'http://127.0.0.1:4566',
      console: 'http://127.0.0.1:4566/c',
      forcePathStyle: false,
    });
  });

  it('gives back a configuration that parses to itself', () => {
    const input = validInput();
    input.template = GOOD_TEMPLATE;
    input.bucketPrefix = '/a//b/';
    const once = parseConnectorConfig(input);
    assert.deepEqual(parseConnectorConfig(once), once);
  });

  it('accepts the 900-second lower bound of baseSessionSeconds and tenantSessionSeconds', () => {
    // The table refuses 899 for each; 900 (AWS's 15-minute minimum) is the first value allowed.
    const input = validInput();
    input.iam.baseSessionSeconds = 900;
    input.iam.tenantSessionSeconds = 900;
    const config = parseConnectorConfig(input);
    assert.equal(config.iam.baseSessionSeconds, 900);
    assert.equal(config.iam.tenantSessionSeconds, 900);
  });

  it('C5: allows tenant sessions up to 12 hours without MFA, but not more', () => {
    const noMfa = (tenantSessionSeconds: number): ConnectorConfigInput => ({
      bucketName: 'acme',
      iam: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET_KEY, tenantSessionSeconds },
    });
    assert.equal(parseConnectorConfig(noMfa(7200)).iam.tenantSessionSeconds, 7200);
    assert.equal(parseConnectorConfig(noMfa(43_200)).iam.tenantSessionSeconds, 43_200);
    expectProblem(noMfa(43_201), 'iam.tenantSessionSeconds', 'must be 900 to 43200 seconds');
    const withMfa = validInput();
    withMfa.iam.tenantSessionSeconds = 3600;
    assert.equal(parseConnectorConfig(withMfa).iam.tenantSessionSeconds, 3600);
  });

  it('accepts a China-partition connector with a matching MFA serial', () => {
    const input = validInput();
    input.defaultRegion = 'cn-northwest-1';
    input.iam.mfaSerial = 'arn:aws-cn:iam::111122223333:mfa/team/bot';
    const config = parseConnectorConfig(input);
    assert.equal(config.iam.region, 'cn-northwest-1');
    assert.equal(config.iam.mfaSerial, 'arn:aws-cn:iam::111122223333:mfa/team/bot');
  });

  it('lists every problem in details.issues, the first one (in contract order) in the message', () => {
    const input = validInput();
    input.bucketName = 'ab';
    input.stackName = '9';
    const error = expectProblem(input, 'stackName', 'must start with a letter');
    assert.deepEqual(error.details?.issues, [
      {
        field: 'stackName',
        message: 'stackName: must start with a letter and contain only letters, digits and hyphens',
      },
      { field: 'bucketName', message: 'bucketName: must be 3 to 63 characters long' },
    ]);
  });

  it('never puts the OTP secret or the secret key into an error', () => {
    const input = validInput();
    input.iam.otpSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1';
    input.iam.secretAccessKey = `${SECRET_KEY} x`;
    const error = expectProblem(input, 'iam.secretAccessKey', 'no spaces');
    const everything = JSON.stringify({
      message: error.message,
      details: error.details,
      json: error.toJSON(),
    });
    assert.ok(!everything.includes('GEZDGNBVGY3TQOJ'), everything);
    assert.ok(!everything.includes('EXAMPLEKEY'), everything);
    assert.ok(everything.includes('iam.otpSecret: must be base32'));
  });
});

describe('redactConnectorConfig', () => {
  it('shows secrets as •••• and their last four characters, the access key id in full', () => {
    const redacted = redactConnectorConfig(parseConnectorConfig(validInput()));
    assert.equal(redacted.iam.secretAccessKey, '••••EKEY');
    assert.equal(redacted.iam.otpSecret, '••••QOJQ');
    assert.equal(redacted.iam.accessKeyId, 'AKIAIOSFODNN7EXAMPLE');
    assert.equal(redacted.iam.mfaSerial, 'arn:aws:iam::111122223333:mfa/integration-bot');
    const text = JSON.stringify(redacted);
    assert.ok(!text.includes(SECRET_KEY.slice(0, 8)));
    assert.ok(!text.includes(OTP_SECRET.slice(0, 8)));
  });

  it('leaves a configuration without secrets unchanged', () => {
    const config = parseConnectorConfig({ bucketName: 'acme' });
    assert.deepEqual(redactConnectorConfig(config), config);
  });
});

describe('isMfaConfigured', () => {
  it('is true only with both the MFA serial and the OTP secret', () => {
    assert.equal(isMfaConfigured(parseConnectorConfig(validInput())), true);
    assert.equal(isMfaConfigured(parseConnectorConfig({ bucketName: 'acme' })), false);
  });
});
