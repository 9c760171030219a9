/**
 * Reads a CloudFormation template (JSON, or YAML with the short intrinsic tags `!Ref`, `!Sub`, ...)
 * into plain data in the long form (`{ "Fn::Sub": ... }`), and checks its overall shape.
 */
import { parse as parseYaml, type Tags } from 'yaml';
import { AwsError } from '../protocol.js';

export interface TemplateParameter {
  Type?: string;
  Default?: unknown;
  AllowedValues?: unknown[];
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  NoEcho?: boolean | string;
  Description?: string;
  ConstraintDescription?: string;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
}

export interface TemplateOutput {
  Value: unknown;
  Description?: string;
  Export?: unknown;
  Condition?: string;
}

export interface Template {
  description?: string;
  parameters: Record<string, TemplateParameter>;
  mappings: Record<string, Record<string, Record<string, unknown>>>;
  resources: Record<string, TemplateResource>;
  outputs: Record<string, TemplateOutput>;
}

const SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
  'Rules',
]);

/** Short-form tags and the long-form function each stands for. */
const SHORT_TAGS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Cidr': 'Fn::Cidr',
  '!Transform': 'Fn::Transform',
  '!ToJsonString': 'Fn::ToJsonString',
  '!Length': 'Fn::Length',
};

const CUSTOM_TAGS: Tags = Object.entries(SHORT_TAGS).flatMap(([tag, name]) => [
  {
    tag,
    // `!GetAtt Role.Arn` is the short spelling of `Fn::GetAtt: [Role, Arn]`.
    resolve: (text: string) => ({ [name]: name === 'Fn::GetAtt' ? splitGetAtt(text) : text }),
  },
  { tag, collection: 'seq' as const, resolve: (seq: { toJSON(): unknown }) => ({ [name]: seq.toJSON() }) },
  { tag, collection: 'map' as const, resolve: (map: { toJSON(): unknown }) => ({ [name]: map.toJSON() }) },
]);

function splitGetAtt(text: string): string[] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
}

export function templateFormatError(detail: string): AwsError {
  return new AwsError('ValidationError', `Template format error: ${detail}`, 400);
}

/** Parses and shape-checks a template; ValidationError "Template format error: ..." when it is not one. */
export function parseTemplate(text: string): Template {
  const document = parseDocumentText(text);
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw templateFormatError('unsupported structure.');
  }
  const root = document as Record<string, unknown>;
  const unknownSections = Object.keys(root).filter((section) => !SECTIONS.has(section));
  if (unknownSections.length > 0) {
    throw templateFormatError(`Invalid template property or properties [${unknownSections.join(', ')}]`);
  }
  if (root.Transform !== undefined) {
    throw new AwsError(
      'ValidationError',
      'Transforms (macros, AWS::Serverless) are not supported by the Skybridge sandbox.',
      400,
    );
  }
  if (root.Conditions !== undefined) {
    throw new AwsError(
      'ValidationError',
      'The Conditions section is not supported by the Skybridge sandbox.',
      400,
    );
  }
  const resources = sectionOf(root, 'Resources');
  if (Object.keys(resources).length === 0) {
    throw templateFormatError('At least one Resources member must be defined.');
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (
      !resource ||
      typeof resource !== 'object' ||
      typeof (resource as { Type?: unknown }).Type !== 'string'
    ) {
      throw templateFormatError(
        `[/Resources/${logicalId}] Every Resources object must contain a Type member.`,
      );
    }
    const properties = (resource as { Properties?: unknown }).Properties;
    if (
      properties !== undefined &&
      (properties === null || typeof properties !== 'object' || Array.isArray(properties))
    ) {
      throw templateFormatError(`[/Resources/${logicalId}/Properties] Properties must be an object.`);
    }
  }
  const outputs = sectionOf(root, 'Outputs');
  for (const [name, output] of Object.entries(outputs)) {
    if (!output || typeof output !== 'object' || !('Value' in output)) {
      throw templateFormatError(
        `Every Outputs member must contain a Value object, the Outputs member ${name} is invalid.`,
      );
    }
  }
  const parameters = sectionOf(root, 'Parameters');
  for (const [name, parameter] of Object.entries(parameters)) {
    if (
      !parameter ||
      typeof parameter !== 'object' ||
      typeof (parameter as { Type?: unknown }).Type !== 'string'
    ) {
      throw templateFormatError(`Every Parameters object must contain a Type member; ${name} has none.`);
    }
  }
  return {
    description: typeof root.Description === 'string' ? root.Description : undefined,
    parameters: parameters as Record<string, TemplateParameter>,
    mappings: sectionOf(root, 'Mappings') as Template['mappings'],
    resources: resources as Record<string, TemplateResource>,
    outputs: outputs as Record<string, TemplateOutput>,
  };
}

function parseDocumentText(text: string): unknown {
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw templateFormatError(
        `JSON not well-formed. (${error instanceof Error ? error.message : 'parse error'})`,
      );
    }
  }
  try {
    return parseYaml(text, { customTags: CUSTOM_TAGS, uniqueKeys: true });
  } catch (error) {
    const position = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    const where = position ? ` (line ${position.line}, column ${position.col})` : '';
    throw templateFormatError(`YAML not well-formed.${where}`);
  }
}

function sectionOf(root: Record<string, unknown>, name: string): Record<string, unknown> {
  const section = root[name];
  if (section === undefined || section === null) return {};
  if (typeof section !== 'object' || Array.isArray(section)) {
    throw templateFormatError(`${name} section must be an object.`);
  }
  return section as Record<string, unknown>;
}
