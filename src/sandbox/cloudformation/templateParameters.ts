/**
 * Template parameters: given values checked against the template's declarations (type, allowed
 * values and pattern, lengths, ranges), defaults filled in, and AWS's messages for what is missing.
 */
import { AwsError } from '../protocol.js';
import type { Template, TemplateParameter } from './templateParser.js';

const LIST_TYPES = new Set(['CommaDelimitedList', 'List<Number>', 'List<String>']);

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

export interface ResolvedParameters {
  /** Values as Ref sees them: lists for list types. */
  values: Map<string, string | string[]>;
  /** Values as DescribeStacks shows them. */
  asText: Record<string, string>;
}

export function resolveParameters(template: Template, given: Record<string, string>): ResolvedParameters {
  const unknown = Object.keys(given).filter((name) => !(name in template.parameters));
  if (unknown.length > 0)
    throw validation(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const missing = Object.entries(template.parameters)
    .filter(([name, declaration]) => given[name] === undefined && declaration.Default === undefined)
    .map(([name]) => name);
  if (missing.length > 0) throw validation(`Parameters: [${missing.join(', ')}] must have values`);

  const values = new Map<string, string | string[]>();
  const asText: Record<string, string> = {};
  for (const [name, declaration] of Object.entries(template.parameters)) {
    const raw = given[name] ?? defaultText(declaration.Default);
    checkParameter(name, declaration, raw);
    asText[name] = raw;
    values.set(
      name,
      LIST_TYPES.has(declaration.Type ?? '') ? raw.split(',').map((item) => item.trim()) : raw,
    );
  }
  return { values, asText };
}

function defaultText(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(',') : String(value);
}

function checkParameter(name: string, declaration: TemplateParameter, value: string): void {
  const type = declaration.Type ?? 'String';
  if (type.startsWith('AWS::SSM::Parameter::')) {
    throw validation(`Parameter '${name}': SSM parameter types are not supported by the Skybridge sandbox.`);
  }
  const known =
    type === 'String' ||
    type === 'Number' ||
    LIST_TYPES.has(type) ||
    type.startsWith('AWS::') ||
    type.startsWith('List<AWS::');
  if (!known) throw validation(`Template format error: Unrecognized parameter type: ${type}`);
  const failed = (rule: string) =>
    validation(
      declaration.ConstraintDescription
        ? `Parameter '${name}' failed to satisfy constraint: ${declaration.ConstraintDescription}`
        : `Parameter '${name}' ${rule}`,
    );
  if (type === 'Number' || type === 'List<Number>') {
    const numbers = type === 'Number' ? [value] : value.split(',');
    if (numbers.some((item) => item.trim() === '' || !Number.isFinite(Number(item)))) {
      throw validation(`Parameter '${name}' must be a number.`);
    }
    const number = Number(value);
    if (type === 'Number' && declaration.MinValue !== undefined && number < Number(declaration.MinValue)) {
      throw failed(`must be a number not less than ${declaration.MinValue}`);
    }
    if (type === 'Number' && declaration.MaxValue !== undefined && number > Number(declaration.MaxValue)) {
      throw failed(`must be a number not greater than ${declaration.MaxValue}`);
    }
  }
  if (declaration.AllowedValues && !declaration.AllowedValues.map(String).includes(value)) {
    throw failed('must be one of AllowedValues');
  }
  if (
    declaration.AllowedPattern !== undefined &&
    !new RegExp(`^(?:${declaration.AllowedPattern})$`).test(value)
  ) {
    throw failed(`must match pattern ${declaration.AllowedPattern}`);
  }
  if (declaration.MinLength !== undefined && value.length < Number(declaration.MinLength)) {
    throw failed(`must contain at least ${declaration.MinLength} characters`);
  }
  if (declaration.MaxLength !== undefined && value.length > Number(declaration.MaxLength)) {
    throw failed(`must contain at most ${declaration.MaxLength} characters`);
  }
}
