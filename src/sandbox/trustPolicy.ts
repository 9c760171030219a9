/**
 * Role trust policy evaluation for sts:AssumeRole: principals, actions, conditions, Deny wins.
 * Covers what cross-account roles use: sts:ExternalId, aws:PrincipalArn, aws:PrincipalAccount and
 * aws:MultiFactorAuthPresent with the String*, Arn*, Bool and Null operators (and their IfExists
 * forms). An operator it does not know never matches, so an Allow using one fails closed.
 */
import type { PolicyDocument, PolicyStatement } from './model.js';

export interface AssumeRoleContext {
  /** The principal as policies see it: the user ARN, or for a role session the role ARN. */
  principalArn: string;
  /** A role session's own ARN (arn:aws:sts::<acct>:assumed-role/<role>/<session>), also accepted as Principal. */
  sessionArn?: string;
  principalAccount: string;
  externalId?: string;
  /** Undefined when the key is absent (long-term keys). */
  multiFactorAuthPresent?: boolean;
}

export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

function asList(value: string | string[] | boolean | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

function globToRegExp(pattern: string, ignoreCase = false): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'is' : 's');
}

function matchesGlob(pattern: string, value: string, ignoreCase = false): boolean {
  return globToRegExp(pattern, ignoreCase).test(value);
}

function principalMatches(statement: PolicyStatement, context: AssumeRoleContext): boolean {
  const principal = statement.Principal;
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  for (const entry of asList(principal.AWS)) {
    if (entry === '*') return true;
    if (entry === context.principalAccount) return true;
    if (/^arn:aws[\w-]*:iam::\d{12}:root$/.test(entry) && entry.split(':')[4] === context.principalAccount)
      return true;
    if (entry === context.principalArn || (context.sessionArn !== undefined && entry === context.sessionArn))
      return true;
  }
  return false;
}

function actionMatches(statement: PolicyStatement): boolean {
  const action = 'sts:AssumeRole';
  if (statement.Action !== undefined)
    return asList(statement.Action).some((a) => matchesGlob(a, action, true));
  if (statement.NotAction !== undefined)
    return !asList(statement.NotAction).some((a) => matchesGlob(a, action, true));
  return false;
}

function contextValue(key: string, context: AssumeRoleContext): string | undefined {
  switch (key.toLowerCase()) {
    case 'sts:externalid':
      return context.externalId;
    case 'aws:principalarn':
      return context.principalArn;
    case 'aws:principalaccount':
      return context.principalAccount;
    case 'aws:multifactorauthpresent':
      return context.multiFactorAuthPresent === undefined
        ? undefined
        : String(context.multiFactorAuthPresent);
    default:
      return undefined;
  }
}

/** One operator over one key: true when the condition is satisfied. */
function conditionHolds(operator: string, expected: string[], actual: string | undefined): boolean {
  let op = operator;
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
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
    case 'Bool':
      return expected.some((value) => value.toLowerCase() === actual.toLowerCase());
    default:
      return false;
  }
}

function conditionsHold(statement: PolicyStatement, context: AssumeRoleContext): boolean {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      if (!conditionHolds(operator, asList(values), contextValue(key, context))) return false;
    }
  }
  return true;
}

/** True when the trust policy lets this caller assume the role: an Allow matches and no Deny does. */
export function trustPolicyAllows(document: PolicyDocument, context: AssumeRoleContext): boolean {
  let allowed = false;
  for (const statement of statementsOf(document)) {
    if (
      !principalMatches(statement, context) ||
      !actionMatches(statement) ||
      !conditionsHold(statement, context)
    ) {
      continue;
    }
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}
