/**
 * IAM `Condition` blocks, shared by trust, identity and bucket policies. The sandbox knows a few
 * keys and operators; anything else makes the outcome `unknown`, and callers then fail closed:
 * a Deny with an unknown condition applies, an Allow with one does not. So a sandbox answer is
 * never more permissive than AWS's, though it can be stricter (see identityPolicy.ts).
 */

/** Condition key values by lower-cased key. A key in the map is known; `undefined` means absent. */
export type ConditionKeys = ReadonlyMap<string, string | undefined>;

export type ConditionOutcome = 'holds' | 'fails' | 'unknown';

/** No key known: every condition is `unknown`. */
export const NO_CONDITION_KEYS: ConditionKeys = new Map();

/** Builds a key map; undefined values are kept as known-absent keys. */
export function conditionKeys(entries: Record<string, string | undefined>): ConditionKeys {
  return new Map(Object.entries(entries).map(([key, value]) => [key.toLowerCase(), value]));
}

function asList(value: string | string[] | boolean | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/** IAM wildcard matching: `*` any run of characters, `?` exactly one. */
export function matchesGlob(pattern: string, value: string, ignoreCase = false): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'is' : 's').test(value);
}

const OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Bool',
  'Null',
]);

/** One operator over one key's value: true when satisfied, undefined for an operator it does not know. */
function operatorHolds(
  operator: string,
  expected: string[],
  actual: string | undefined,
): boolean | undefined {
  let op = operator;
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  if (!OPERATORS.has(op) || (ifExists && op === 'Null')) return undefined;
  if (op === 'Null') {
    // Null: "true" means the key must be absent, "false" that it must be present.
    return expected.some((value) => (value.toLowerCase() === 'true') === (actual === undefined));
  }
  if (actual === undefined) {
    if (ifExists) return true;
    // Negated operators hold when the key is absent, as in IAM.
    return op.startsWith('StringNot') || op.startsWith('ArnNot');
  }
  switch (op) {
    case 'StringEquals':
      return expected.includes(actual);
    case 'StringNotEquals':
      return !expected.includes(actual);
    case 'StringEqualsIgnoreCase':
      return expected.some((value) => value.toLowerCase() === actual.toLowerCase());
    case 'StringNotEqualsIgnoreCase':
      return !expected.some((value) => value.toLowerCase() === actual.toLowerCase());
    case 'StringLike':
      return expected.some((value) => matchesGlob(value, actual));
    case 'StringNotLike':
      return !expected.some((value) => matchesGlob(value, actual));
    // IAM treats ArnEquals and ArnLike alike: both accept wildcards.
    case 'ArnEquals':
    case 'ArnLike':
      return expected.some((value) => matchesGlob(value, actual));
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return !expected.some((value) => matchesGlob(value, actual));
    default: // Bool
      return expected.some((value) => value.toLowerCase() === actual.toLowerCase());
  }
}

/**
 * A statement's Condition block: `holds` when every operator over every key is satisfied, `fails`
 * when one is certainly not, `unknown` when an operator or key is beyond the sandbox and nothing
 * certainly fails. No Condition holds.
 */
export function evaluateConditions(
  condition: Record<string, Record<string, string | string[] | boolean>> | undefined,
  keys: ConditionKeys,
): ConditionOutcome {
  let outcome: ConditionOutcome = 'holds';
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    if (!entries || typeof entries !== 'object') {
      outcome = 'unknown';
      continue;
    }
    for (const [key, values] of Object.entries(entries)) {
      const lowered = key.toLowerCase();
      if (!keys.has(lowered)) {
        outcome = 'unknown';
        continue;
      }
      const holds = operatorHolds(operator, asList(values), keys.get(lowered));
      if (holds === false) return 'fails';
      if (holds === undefined) outcome = 'unknown';
    }
  }
  return outcome;
}

/** How a matching statement (principal, action and resource aside) counts: fail closed on `unknown`. */
export function statementEffect(
  effect: 'Allow' | 'Deny',
  outcome: ConditionOutcome,
): 'allow' | 'deny' | undefined {
  if (effect === 'Deny') return outcome === 'fails' ? undefined : 'deny';
  if (effect === 'Allow') return outcome === 'holds' ? 'allow' : undefined;
  return undefined;
}
