/**
 * Intrinsic functions: Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap and
 * Fn::Base64, evaluated against parameters, pseudo parameters and the resources created so far.
 * Also finds what a value refers to, so resources are created in dependency order.
 */
import { AwsError } from '../protocol.js';

/** `Ref: AWS::NoValue` removes the property it stands in. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface CreatedResource {
  physicalId: string;
  attributes: Record<string, string>;
}

export interface IntrinsicScope {
  /** Template parameters and pseudo parameters (`AWS::Region`, ...); lists for CommaDelimitedList. */
  values: Map<string, string | string[]>;
  resources: Map<string, CreatedResource>;
  mappings: Record<string, Record<string, Record<string, unknown>>>;
}

export function templateError(message: string): AwsError {
  return new AwsError('ValidationError', `Template error: ${message}`, 400);
}

function intrinsicOf(value: unknown): [string, unknown] | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const name = keys[0]!;
  if (name !== 'Ref' && name !== 'Condition' && !name.startsWith('Fn::')) return undefined;
  return [name, (value as Record<string, unknown>)[name]];
}

/** Evaluates every intrinsic in `value`; properties that come out as AWS::NoValue are dropped. */
export function resolveIntrinsics(value: unknown, scope: IntrinsicScope): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolveIntrinsics(item, scope)).filter((item) => item !== NO_VALUE);
  }
  const intrinsic = intrinsicOf(value);
  if (intrinsic) return resolveFunction(intrinsic[0], intrinsic[1], scope);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveIntrinsics(item, scope);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }
  return value;
}

function resolveFunction(name: string, argument: unknown, scope: IntrinsicScope): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(argument, scope);
    case 'Fn::GetAtt': {
      const [resource, attribute] = getAttArguments(argument);
      return resolveGetAtt(resource, attribute, scope);
    }
    case 'Fn::Sub':
      return resolveSub(argument, scope);
    case 'Fn::Join': {
      const [delimiter, list] = pairOf(argument, 'Fn::Join');
      const items = resolveIntrinsics(list, scope);
      if (typeof delimiter !== 'string' || !Array.isArray(items)) {
        throw templateError(
          'every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.',
        );
      }
      return items.map((item) => scalarText(item, 'Fn::Join')).join(delimiter);
    }
    case 'Fn::Select': {
      const [index, list] = pairOf(argument, 'Fn::Select');
      const position = Number(resolveIntrinsics(index, scope));
      const items = resolveIntrinsics(list, scope);
      if (!Array.isArray(items) || !Number.isInteger(position) || position < 0 || position >= items.length) {
        throw templateError('Fn::Select cannot select nonexistent value at index ' + String(index));
      }
      return items[position];
    }
    case 'Fn::Split': {
      const [delimiter, source] = pairOf(argument, 'Fn::Split');
      const text = resolveIntrinsics(source, scope);
      if (typeof delimiter !== 'string' || typeof text !== 'string') {
        throw templateError(
          'every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.',
        );
      }
      return text.split(delimiter);
    }
    case 'Fn::FindInMap': {
      if (!Array.isArray(argument) || argument.length !== 3) {
        throw templateError(
          'every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value',
        );
      }
      const [mapName, topKey, secondKey] = argument.map((item) =>
        scalarText(resolveIntrinsics(item, scope), 'Fn::FindInMap'),
      );
      const found = scope.mappings[mapName!]?.[topKey!]?.[secondKey!];
      if (found === undefined) {
        throw templateError(`Unable to get mapping for ${mapName}::${topKey}::${secondKey}`);
      }
      return found;
    }
    case 'Fn::Base64':
      return Buffer.from(scalarText(resolveIntrinsics(argument, scope), 'Fn::Base64'), 'utf8').toString(
        'base64',
      );
    default:
      throw new AwsError(
        'ValidationError',
        `Template error: ${name} is not supported by the Skybridge sandbox.`,
        400,
      );
  }
}

function resolveRef(argument: unknown, scope: IntrinsicScope): unknown {
  if (typeof argument !== 'string') throw templateError('Ref must name a parameter or a resource');
  if (argument === 'AWS::NoValue') return NO_VALUE;
  const value = scope.values.get(argument);
  if (value !== undefined) return value;
  const resource = scope.resources.get(argument);
  if (resource) return resource.physicalId;
  throw templateError(
    `Unresolved resource dependencies [${argument}] in the Resources block of the template`,
  );
}

function resolveGetAtt(resourceName: string, attribute: string, scope: IntrinsicScope): string {
  const resource = scope.resources.get(resourceName);
  if (!resource) throw templateError(`instance of Fn::GetAtt references undefined resource ${resourceName}`);
  const value = resource.attributes[attribute];
  if (value === undefined) {
    throw templateError(
      `resource ${resourceName} does not support attribute type ${attribute} in Fn::GetAtt`,
    );
  }
  return value;
}

function getAttArguments(argument: unknown): [string, string] {
  const parts = typeof argument === 'string' ? splitAtFirstDot(argument) : argument;
  if (
    !Array.isArray(parts) ||
    parts.length !== 2 ||
    typeof parts[0] !== 'string' ||
    typeof parts[1] !== 'string'
  ) {
    throw templateError('every Fn::GetAtt object requires two non-empty parameters.');
  }
  return [parts[0], parts[1]];
}

function splitAtFirstDot(text: string): string[] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
}

function pairOf(argument: unknown, name: string): [unknown, unknown] {
  if (!Array.isArray(argument) || argument.length !== 2) {
    throw templateError(`every ${name} object requires two parameters`);
  }
  return [argument[0], argument[1]];
}

function scalarText(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw templateError(`${where} expects strings, got ${Array.isArray(value) ? 'a list' : typeof value}`);
}

const SUB_VARIABLE = /\$\{([^}]*)\}/g;

function resolveSub(argument: unknown, scope: IntrinsicScope): string {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof text !== 'string' || !variables || typeof variables !== 'object') {
    throw templateError('Fn::Sub expects a string, or a list of a string and a map of variables');
  }
  const local = new Map<string, unknown>();
  for (const [name, value] of Object.entries(variables as Record<string, unknown>)) {
    local.set(name, resolveIntrinsics(value, scope));
  }
  return text.replace(SUB_VARIABLE, (_match, rawName: string) => {
    // `${!Literal}` writes `${Literal}` unchanged.
    if (rawName.startsWith('!')) return '${' + rawName.slice(1) + '}';
    const name = rawName.trim();
    if (local.has(name)) return scalarText(local.get(name), 'Fn::Sub');
    if (scope.values.has(name)) {
      const value = scope.values.get(name)!;
      return Array.isArray(value) ? value.join(',') : value;
    }
    if (scope.resources.has(name)) return scope.resources.get(name)!.physicalId;
    const dot = name.indexOf('.');
    if (dot > 0) return resolveGetAtt(name.slice(0, dot), name.slice(dot + 1), scope);
    throw templateError(`Unresolved resource dependencies [${name}] in the Resources block of the template`);
  });
}

/**
 * Names a value refers to through Ref, Fn::GetAtt and Fn::Sub (Sub's own variables excluded).
 * Pseudo parameters and `${!Literal}` are left out.
 */
export function referencedNames(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedNames(item, found);
    return found;
  }
  const intrinsic = intrinsicOf(value);
  if (intrinsic) {
    const [name, argument] = intrinsic;
    if (name === 'Ref' && typeof argument === 'string' && !argument.startsWith('AWS::')) found.add(argument);
    else if (name === 'Fn::GetAtt') {
      const parts = typeof argument === 'string' ? splitAtFirstDot(argument) : argument;
      if (Array.isArray(parts) && typeof parts[0] === 'string') found.add(parts[0]);
    } else if (name === 'Fn::Sub') {
      const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
      const own = new Set(variables && typeof variables === 'object' ? Object.keys(variables) : []);
      if (typeof text === 'string') {
        for (const match of text.matchAll(SUB_VARIABLE)) {
          const raw = match[1] ?? '';
          if (raw.startsWith('!')) continue;
          const target = raw.trim().split('.')[0] ?? '';
          if (!own.has(raw.trim()) && !target.startsWith('AWS::')) found.add(target);
        }
      }
      if (Array.isArray(argument)) referencedNames(argument[1], found);
    } else referencedNames(argument, found);
    return found;
  }
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) referencedNames(item, found);
  }
  return found;
}
