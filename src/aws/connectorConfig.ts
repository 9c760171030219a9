import { z } from 'zod';
import { SkybridgeError } from '../core/index.js';
import { MFA_SERIAL } from './arn.js';
import { isKnownRegion, type Partition, partitionOfRegion } from './regions.js';
import {
  findPlaceholders,
  PLACEHOLDERS,
  REQUIRED_PLACEHOLDERS,
  trialRenderProblem,
} from './templateRenderer.js';
import { normalizeOtpSecret } from './totp.js';

/**
 * The connector configuration of contract.md section 1 (`type: "aws"`), as one zod schema that
 * validates, normalises and fills defaults. Every message is a rule; `parseConnectorConfig`
 * prefixes the dotted field, so errors read "iam.mfaSerial: must look like ...".
 */

/** A custom template is fetched by CloudFormation from S3, where the limit is 1 MB. */
export const MAX_TEMPLATE_BYTES = 1_048_576;
/** AWS caps sessions assumed with GetSessionToken (MFA) credentials at one hour (role chaining). */
export const MAX_CHAINED_SESSION_SECONDS = 3600;

export const DEFAULT_TENANT_ACTIONS = [
  's3:ListAllMyBuckets',
  's3:GetBucketLocation',
  's3:ListBucket',
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
];

const NAME_CHARS = /^[\w+=,.@-]+$/;

function requiredString(): z.ZodString {
  return z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') });
}

function optionalString(): z.ZodOptional<z.ZodString> {
  return z.string({ error: 'must be a string' }).optional();
}

function integerIn(min: number, max: number, unit: string) {
  return z
    .number({ error: 'must be a number' })
    .int(`must be a whole number of ${unit}`)
    .min(min, `must be ${min} to ${max} ${unit}`)
    .max(max, `must be ${min} to ${max} ${unit}`);
}

const bucketName = requiredString()
  .refine((v) => v.length >= 3 && v.length <= 63, 'must be 3 to 63 characters long')
  .refine((v) => /^[a-z0-9.-]*$/.test(v), 'may contain only lowercase letters, digits, dots and hyphens')
  .refine((v) => /^[a-z0-9](.*[a-z0-9])?$/.test(v), 'must start and end with a lowercase letter or a digit')
  .refine((v) => !v.includes('..'), 'must not contain two adjacent dots')
  .refine((v) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(v), 'must not be formatted as an IP address')
  .refine((v) => !v.startsWith('xn--') && !v.startsWith('sthree-'), 'must not start with "xn--" or "sthree-"')
  .refine(
    (v) => !v.endsWith('-s3alias') && !v.endsWith('--ol-s3') && !v.endsWith('--x-s3'),
    'must not end with "-s3alias", "--ol-s3" or "--x-s3" (reserved by S3)',
  );

/** "/templates//v1/" -> "templates/v1"; segments stay URL-safe so template URLs need no guessing. */
const bucketPrefix = z
  .string({ error: 'must be a string' })
  .transform((v) => v.split('/').filter((segment) => segment.length > 0))
  .refine(
    (segments) => segments.every((s) => /^[A-Za-z0-9!_.*'()-]+$/.test(s)),
    "may contain only letters, digits, slashes and !_.*'()-",
  )
  .refine(
    (segments) => segments.every((s) => s !== '.' && s !== '..'),
    'must not contain "." or ".." segments',
  )
  .transform((segments) => segments.join('/'))
  .refine((v) => v.length <= 512, 'must be at most 512 characters long')
  .default('templates');

const region = (rule = 'must be a known AWS region name such as us-east-1') =>
  z.string({ error: 'must be a string' }).refine(isKnownRegion, rule);

const httpUrl = z
  .string({ error: 'must be a string' })
  .refine(isHttpUrl, 'must be an http(s) URL such as http://127.0.0.1:4566')
  .transform((v) => v.replace(/\/+$/, ''));

const otpSecret = z.string({ error: 'must be a string' }).transform((value, ctx) => {
  try {
    return normalizeOtpSecret(value);
  } catch (error) {
    const rule =
      error instanceof SkybridgeError ? String(error.details?.rule ?? error.message) : 'is invalid';
    ctx.issues.push({ code: 'custom', message: rule, input: '(redacted)' });
    return z.NEVER;
  }
});

const mfaSerial = z
  .string({ error: 'must be a string' })
  .refine(
    (v) => v.length >= 9 && v.length <= 256 && MFA_SERIAL.test(v),
    'must look like arn:aws:iam::<12-digit account id>:mfa/<device name>',
  );

const iamSchema = z
  .strictObject(
    {
      accessKeyId: z
        .string({ error: 'must be a string' })
        .refine(
          (v) => /^[A-Z0-9]{16,128}$/.test(v),
          'must be 16 to 128 upper-case letters and digits (AKIA...)',
        )
        .optional(),
      secretAccessKey: z
        .string({ error: 'must be a string' })
        .refine(
          (v) => v.length >= 16 && v.length <= 128 && !/\s/.test(v),
          'must be 16 to 128 characters, no spaces',
        )
        .optional(),
      otpSecret: otpSecret.optional(),
      mfaSerial: mfaSerial.optional(),
      region: region().optional(),
      baseSessionSeconds: integerIn(900, 129_600, 'seconds').default(43_200),
      tenantSessionSeconds: integerIn(900, 43_200, 'seconds').default(3600),
    },
    { error: unknownFieldOrObject },
  )
  .prefault({});

const tenantPolicySchema = z
  .strictObject(
    {
      actions: z
        .array(
          z
            .string({ error: 'must be strings' })
            .refine(
              (v) => /^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(v),
              'each action must look like service:Action, e.g. s3:GetObject (* and ? wildcards allowed)',
            ),
          { error: 'must be an array of actions' },
        )
        .min(1, 'must list at least one action')
        .default(DEFAULT_TENANT_ACTIONS),
      resources: z
        .array(
          z
            .string({ error: 'must be strings' })
            .refine((v) => v === '*' || /^arn:[^\s]+$/.test(v), 'each resource must be "*" or an ARN'),
          { error: 'must be an array of resources' },
        )
        .min(1, 'must list at least one resource')
        .default(['*']),
    },
    { error: unknownFieldOrObject },
  )
  .prefault({});

const verifySchema = z
  .strictObject(
    {
      requireExternalIdEnforced: z.boolean({ error: 'must be true or false' }).default(true),
      propagationTimeoutSeconds: integerIn(1, 900, 'seconds').default(90),
    },
    { error: unknownFieldOrObject },
  )
  .prefault({});

const endpointsSchema = z
  .strictObject(
    {
      sts: httpUrl.optional(),
      s3: httpUrl.optional(),
      console: httpUrl.optional(),
      forcePathStyle: z.boolean({ error: 'must be true or false' }).default(false),
    },
    { error: unknownFieldOrObject },
  )
  .prefault({});

const baseSchema = z.strictObject(
  {
    type: z.literal('aws', { error: 'must be "aws"' }).default('aws'),
    roleName: z
      .string({ error: 'must be a string' })
      .refine((v) => v.length >= 1 && v.length <= 64, 'must be 1 to 64 characters long')
      .refine((v) => NAME_CHARS.test(v), 'may contain only letters, digits and +=,.@_-')
      .default('skybridge-connector-role'),
    rolePath: z
      .string({ error: 'must be a string' })
      .refine((v) => v.length <= 512, 'must be at most 512 characters long')
      .refine(
        (v) => /^\/([\w+=,.@-]+\/)*$/.test(v),
        'must be "/" or segments of letters, digits and +=,.@_- between slashes, e.g. /integrations/',
      )
      .default('/'),
    stackName: z
      .string({ error: 'must be a string' })
      .refine((v) => v.length >= 1 && v.length <= 128, 'must be 1 to 128 characters long')
      .refine(
        (v) => /^[A-Za-z][A-Za-z0-9-]*$/.test(v),
        'must start with a letter and contain only letters, digits and hyphens',
      )
      .default('skybridge-connector'),
    bucketName,
    bucketPrefix,
    bucketRegion: region().optional(),
    template: optionalString()
      .refine(
        (v) => v === undefined || v.trim().length > 0,
        'must not be empty (omit it to use the default template)',
      )
      .refine(
        (v) => v === undefined || Buffer.byteLength(v, 'utf8') <= MAX_TEMPLATE_BYTES,
        `must be at most ${MAX_TEMPLATE_BYTES} bytes (1 MB, CloudFormation's limit for templates in S3)`,
      ),
    defaultRegion: region().default('us-east-1'),
    tenantPolicy: tenantPolicySchema,
    iam: iamSchema,
    verify: verifySchema,
    endpoints: endpointsSchema,
  },
  { error: unknownFieldOrObject },
);

function unknownFieldOrObject(issue: { code?: string; input?: unknown }): string | undefined {
  if (issue.code === 'invalid_type') return issue.input === undefined ? 'is required' : 'must be an object';
  return undefined;
}

type BaseConfig = z.output<typeof baseSchema>;

/** Cross-field rules: they need several fields, so they run once the fields themselves parse. */
function checkCrossFieldRules(c: BaseConfig, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const partition = partitionOfRegion(c.defaultRegion);

  for (const [field, value] of [
    ['bucketRegion', c.bucketRegion],
    ['iam.region', c.iam.region],
  ] as const) {
    if (value !== undefined && partitionOfRegion(value) !== partition) {
      issue(
        field.split('.'),
        `must be in the same AWS partition (${partition}) as defaultRegion ${c.defaultRegion}`,
      );
    }
  }

  if (c.iam.mfaSerial !== undefined && c.iam.otpSecret === undefined) {
    issue(['iam', 'otpSecret'], 'is required when iam.mfaSerial is set (the two go together)');
  }
  if (c.iam.otpSecret !== undefined && c.iam.mfaSerial === undefined) {
    issue(['iam', 'mfaSerial'], 'is required when iam.otpSecret is set (the two go together)');
  }
  if (c.iam.accessKeyId !== undefined && c.iam.secretAccessKey === undefined) {
    issue(
      ['iam', 'secretAccessKey'],
      'is required when iam.accessKeyId is set (omit both to use the default AWS chain)',
    );
  }
  if (c.iam.secretAccessKey !== undefined && c.iam.accessKeyId === undefined) {
    issue(
      ['iam', 'accessKeyId'],
      'is required when iam.secretAccessKey is set (omit both to use the default AWS chain)',
    );
  }

  const serial = c.iam.mfaSerial === undefined ? undefined : MFA_SERIAL.exec(c.iam.mfaSerial);
  if (serial && serial[1] !== partition) {
    issue(
      ['iam', 'mfaSerial'],
      `must be in the connector's partition: arn:${partition}:iam::... (region ${c.defaultRegion})`,
    );
  }

  if (c.iam.mfaSerial !== undefined && c.iam.tenantSessionSeconds > MAX_CHAINED_SESSION_SECONDS) {
    issue(
      ['iam', 'tenantSessionSeconds'],
      `must be 900 to ${MAX_CHAINED_SESSION_SECONDS} seconds when MFA is used: AWS limits roles assumed ` +
        'with MFA session credentials (role chaining) to one hour',
    );
  }

  if (c.template !== undefined && Buffer.byteLength(c.template, 'utf8') <= MAX_TEMPLATE_BYTES) {
    const found = findPlaceholders(c.template);
    const missing = REQUIRED_PLACEHOLDERS.filter((name) => !found.has(name));
    if (missing.length > 0) {
      issue(['template'], `must contain the placeholders ${missing.map((n) => `##${n}##`).join(', ')}`);
    }
    const unknown = [...found].filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
    if (unknown.length > 0) {
      issue(
        ['template'],
        `uses unknown placeholders ${unknown.map((n) => `##${n}##`).join(', ')} ` +
          `(known: ${PLACEHOLDERS.map((n) => `##${n}##`).join(', ')})`,
      );
    }
    if (missing.length === 0 && unknown.length === 0) {
      // A trial render with a leading-zero account id catches YAML errors and unquoted ids when saving, not at install time.
      const problem = trialRenderProblem(c.template, partition, {
        roleName: c.roleName,
        rolePath: c.rolePath,
      });
      if (problem) issue(['template'], problem);
    }
  }
}

export const connectorConfigSchema = baseSchema.superRefine(checkCrossFieldRules).transform((c) => ({
  ...c,
  bucketRegion: c.bucketRegion ?? c.defaultRegion,
  iam: { ...c.iam, region: c.iam.region ?? c.defaultRegion },
}));

export type ConnectorConfigInput = z.input<typeof connectorConfigSchema>;
export type ConnectorConfig = z.output<typeof connectorConfigSchema>;

export interface ConfigIssue {
  field: string;
  message: string;
}

/**
 * Parses and normalises a connector configuration. Throws `invalid_connector_config` (400) whose
 * `field` and message name the first problem and whose `details.issues` lists them all.
 */
export function parseConnectorConfig(input: unknown): ConnectorConfig {
  const result = connectorConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap(toConfigIssues);
  const first = issues[0] ?? { field: '(root)', message: '(root): is invalid' };
  throw new SkybridgeError('invalid_connector_config', first.message, {
    status: 400,
    field: first.field,
    details: { issues },
  });
}

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const field = base ? `${base}.${key}` : key;
      return { field, message: `${field}: is not a known field` };
    });
  }
  const field = base || '(root)';
  return [{ field, message: `${field}: ${issue.message}` }];
}

/** Secrets shown as "••••" and at most their last four characters (none for short values). */
export function redactSecret(value: string): string {
  return `••••${value.length >= 12 ? value.slice(-4) : ''}`;
}

/** The configuration as reads return it: same shape, secrets redacted, the access key id visible. */
export function redactConnectorConfig(config: ConnectorConfig): ConnectorConfig {
  return {
    ...config,
    iam: {
      ...config.iam,
      ...(config.iam.secretAccessKey === undefined
        ? {}
        : { secretAccessKey: redactSecret(config.iam.secretAccessKey) }),
      ...(config.iam.otpSecret === undefined ? {} : { otpSecret: redactSecret(config.iam.otpSecret) }),
    },
  };
}

export function isMfaConfigured(config: ConnectorConfig): boolean {
  return config.iam.mfaSerial !== undefined && config.iam.otpSecret !== undefined;
}

/** The partition every ARN and host of this connector lives in. */
export function connectorPartition(config: ConnectorConfig): Partition {
  return partitionOfRegion(config.defaultRegion);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}
