import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type CollectionTag, parseDocument, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import { SkybridgeError } from '../core/index.js';
import type { ConnectorConfig } from './connectorConfig.js';
import { DEFAULT_TEMPLATE_VERSION, defaultTemplateText } from './defaultTemplate.js';
import { isPartition, type Partition, partitionOfRegion } from './regions.js';

/**
 * Renders a tenant's CloudFormation template: every occurrence of every placeholder replaced by a
 * value validated first, then the result parsed (YAML, which also reads JSON) so a broken template
 * fails here with `template_render_failed` instead of in the tenant's console.
 */

/** Placeholders a custom template may use; the first three are required. */
export const PLACEHOLDERS = [
  'ROLE_NAME',
  'EXTERNAL_ID',
  'BASE_ACCOUNT_ID',
  'ROLE_PATH',
  'PARTITION',
] as const;
export const REQUIRED_PLACEHOLDERS = ['ROLE_NAME', 'EXTERNAL_ID', 'BASE_ACCOUNT_ID'] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER_PATTERN = /##([A-Z_]+)##/g;

/** The placeholder names (without the ##) a template text uses. */
export function findPlaceholders(text: string): Set<string> {
  return new Set([...text.matchAll(PLACEHOLDER_PATTERN)].map((match) => match[1]!));
}

/** Each value's rule; none of them allows `#`, a quote or whitespace, so inserted values cannot form YAML syntax. */
const VALUE_RULES: Record<PlaceholderName, { pattern: RegExp; rule: string }> = {
  ROLE_NAME: { pattern: /^[\w+=,.@-]{1,64}$/, rule: '1 to 64 letters, digits or +=,.@_-' },
  EXTERNAL_ID: { pattern: /^[\w+=,.@:/-]{2,1224}$/, rule: '2 to 1224 letters, digits or +=,.@:/_-' },
  BASE_ACCOUNT_ID: { pattern: /^\d{12}$/, rule: 'exactly 12 digits' },
  ROLE_PATH: { pattern: /^\/([\w+=,.@-]+\/)*$/, rule: '"/" or segments between slashes' },
  PARTITION: { pattern: /^(aws|aws-cn|aws-us-gov)$/, rule: 'aws, aws-cn or aws-us-gov' },
};

export type PlaceholderValues = Record<PlaceholderName, string>;

function renderFailed(message: string, field = 'template'): SkybridgeError {
  return new SkybridgeError('template_render_failed', message, { status: 400, field });
}

/**
 * Replaces every `##NAME##` by its value, literally: split/join, so a value such as `a$&b` is never
 * read as a replacement pattern. Throws if a value breaks its rule or a placeholder is left over.
 */
export function substitutePlaceholders(text: string, values: PlaceholderValues): string {
  let rendered = text;
  for (const name of PLACEHOLDERS) {
    const value = values[name];
    const { pattern, rule } = VALUE_RULES[name];
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw renderFailed(`Cannot render the template: the value for ##${name}## must be ${rule}.`, name);
    }
    rendered = rendered.split(`##${name}##`).join(value);
  }
  const leftover = findPlaceholders(rendered);
  if (leftover.size > 0) {
    const names = [...leftover].map((n) => `##${n}##`).join(', ');
    throw renderFailed(`Cannot render the template: unknown placeholders left over: ${names}.`);
  }
  return rendered;
}

// CloudFormation short-form tags, read as their long forms ({"Fn::Join": [...]}) like CloudFormation does.
const CFN_FUNCTIONS = [
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
  'Length',
  'ToJsonString',
];

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

const CFN_TAGS: (ScalarTag | CollectionTag)[] = ['Ref', 'Condition', ...CFN_FUNCTIONS].flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => longForm(name, value) } satisfies ScalarTag,
  {
    tag: `!${name}`,
    collection: 'seq',
    resolve: (value: YAMLMap.Parsed | YAMLSeq.Parsed) => longForm(name, value.toJSON()),
  } satisfies CollectionTag,
  {
    tag: `!${name}`,
    collection: 'map',
    resolve: (value: YAMLMap.Parsed | YAMLSeq.Parsed) => longForm(name, value.toJSON()),
  } satisfies CollectionTag,
]);

/**
 * Parses a CloudFormation template text (YAML or JSON) into plain values, short-form tags in long
 * form. Throws `template_render_failed` naming the first syntax error.
 */
export function parseTemplateText(text: string): Record<string, unknown> {
  const document = parseDocument(text, { version: '1.2', customTags: CFN_TAGS, prettyErrors: true });
  const [error] = document.errors;
  if (error) {
    throw renderFailed(`The rendered template does not parse as YAML or JSON: ${error.message}`);
  }
  const parsed: unknown = document.toJS({ maxAliasCount: 100 });
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw renderFailed(
      'The rendered template is not a CloudFormation template: it must be a mapping (an object).',
    );
  }
  const resources = (parsed as Record<string, unknown>).Resources;
  if (resources === null || typeof resources !== 'object' || Array.isArray(resources)) {
    throw renderFailed('The rendered template has no Resources section.');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Stand-ins made of letters only: YAML reads them as plain strings wherever they sit (a quoted or
 * unquoted value, a key, inside a flow list), so a render with them shows what the template means.
 */
function sentinelOf(name: PlaceholderName): string {
  return `zzSkybridgeSentinel${name.replaceAll('_', '')}zz`;
}

function withValues(text: string, values: Partial<Record<PlaceholderName, string>>): string {
  let result = text;
  for (const name of PLACEHOLDERS) {
    const value = values[name];
    if (value !== undefined) result = result.split(`##${name}##`).join(value);
  }
  return result;
}

/** `value` with `replace` applied to every string in it, mapping keys included. */
function mapStrings(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, replace));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [replace(key), mapStrings(item, replace)]),
    );
  }
  return value;
}

/** True when some string value (not a key) in `value` contains `text`. */
function someStringValueContains(value: unknown, text: string): boolean {
  if (typeof value === 'string') return value.includes(text);
  if (Array.isArray(value)) return value.some((item) => someStringValueContains(item, text));
  if (value !== null && typeof value === 'object') {
    return Object.values(value).some((item) => someStringValueContains(item, text));
  }
  return false;
}

/**
 * Decision 6: each value must reach the template as the text it is. Rendered with letters-only
 * stand-ins and with the real values, the two readings must agree once the stand-ins are swapped
 * for the values: an unquoted `007` or `true` would read as a number or a boolean, an account id
 * would lose its leading zero, and `a,b` inside `[...]` would become two items. And a required
 * placeholder must land in a value: one that sits only in a comment or a key leaves the role
 * without its name, its trusted account or its external id.
 */
function checkInsertedAsText(text: string, values: PlaceholderValues, parsed: Record<string, unknown>): void {
  const used = PLACEHOLDERS.filter((name) => text.includes(`##${name}##`));
  const sentinels = Object.fromEntries(used.map((name) => [name, sentinelOf(name)]));
  const reading = parseTemplateText(withValues(text, sentinels));
  for (const name of REQUIRED_PLACEHOLDERS) {
    if (used.includes(name) && !someStringValueContains(reading, sentinelOf(name))) {
      throw renderFailed(
        `The template uses ##${name}## only in a comment or a key, so the rendered template does not use its value: put '##${name}##' in a value, such as the role's properties.`,
      );
    }
  }
  for (const name of used) {
    // Only `name` gets its real value, so a difference is that placeholder's doing.
    const alone = parseTemplateText(withValues(text, { ...sentinels, [name]: values[name] }));
    const expected = mapStrings(reading, (s) => s.split(sentinelOf(name)).join(values[name]));
    if (!isDeepStrictEqual(alone, expected)) {
      throw renderFailed(
        `The template uses ##${name}## outside quotes, so YAML does not read its value "${values[name]}" as text (a number loses its leading zeros, true or 007 stop being names, a comma splits a list): write '##${name}##'.`,
      );
    }
  }
  const all = mapStrings(reading, (s) =>
    used.reduce((acc, name) => acc.split(sentinelOf(name)).join(values[name]), s),
  );
  if (!isDeepStrictEqual(parsed, all)) {
    throw renderFailed(
      'The template reads differently once its placeholders are filled in: quote each placeholder.',
    );
  }
}

/** Substitutes, parses and checks a template; returns the rendered text and its parsed form. */
export function renderTemplateText(
  text: string,
  values: PlaceholderValues,
): { body: string; parsed: Record<string, unknown> } {
  const body = substitutePlaceholders(text, values);
  const parsed = parseTemplateText(body);
  checkInsertedAsText(text, values, parsed);
  return { body, parsed };
}

/**
 * Why a custom template would fail to render, tried with sample values (an account id with a leading
 * zero) and the connector's own role name and path when given; undefined when it renders. Used when
 * a connector is saved.
 */
export function trialRenderProblem(
  template: string,
  partition: Partition,
  names: { roleName?: string; rolePath?: string } = {},
): string | undefined {
  const roleName =
    names.roleName && VALUE_RULES.ROLE_NAME.pattern.test(names.roleName)
      ? names.roleName
      : 'skybridge-trial-role';
  const rolePath =
    names.rolePath && VALUE_RULES.ROLE_PATH.pattern.test(names.rolePath) ? names.rolePath : '/';
  try {
    renderTemplateText(template, {
      ROLE_NAME: roleName,
      EXTERNAL_ID: 'trial-external-id',
      BASE_ACCOUNT_ID: '012345678901',
      ROLE_PATH: rolePath,
      PARTITION: partition,
    });
    return undefined;
  } catch (error) {
    if (error instanceof SkybridgeError) return `cannot be rendered: ${error.message}`;
    throw error;
  }
}

/**
 * The tenant's template: the default one, or config.template, with every placeholder replaced.
 * `version` is DEFAULT_TEMPLATE_VERSION, or for a custom template its Metadata.SkybridgeTemplateVersion
 * if it has one, else "custom-" and a hash of its text (so a changed template gets a new version).
 */
export function renderTemplate(
  config: Pick<
    ConnectorConfig,
    'roleName' | 'rolePath' | 'defaultRegion' | 'template' | 'tenantPolicy' | 'iam'
  >,
  input: { baseAccountId: string; externalId: string },
): { body: string; version: string } {
  const partition = partitionOfRegion(config.defaultRegion);
  if (!isPartition(partition)) throw renderFailed(`Unknown partition ${partition}.`, 'defaultRegion');
  const text = config.template ?? defaultTemplateText(config);
  const { body, parsed } = renderTemplateText(text, {
    ROLE_NAME: config.roleName,
    EXTERNAL_ID: input.externalId,
    BASE_ACCOUNT_ID: input.baseAccountId,
    ROLE_PATH: config.rolePath,
    PARTITION: partition,
  });
  return {
    body,
    version:
      config.template === undefined ? DEFAULT_TEMPLATE_VERSION : customVersion(config.template, parsed),
  };
}

function customVersion(template: string, parsed: Record<string, unknown>): string {
  const metadata = parsed.Metadata;
  const declared =
    metadata !== null && typeof metadata === 'object'
      ? (metadata as Record<string, unknown>).SkybridgeTemplateVersion
      : undefined;
  if (typeof declared === 'string' && declared.length > 0) return declared;
  if (typeof declared === 'number') return String(declared);
  return `custom-${createHash('sha256').update(template).digest('hex').slice(0, 12)}`;
}
