/**
 * Role trust policy evaluation for sts:AssumeRole: principals, actions, conditions, Deny wins.
 * Covers what cross-account roles use: sts:ExternalId, sts:RoleSessionName, aws:PrincipalArn,
 * aws:PrincipalAccount and aws:MultiFactorAuthPresent with the String*, Arn*, Bool and Null
 * operators (and their IfExists forms). A key or operator it does not know fails closed: an Allow
 * using one does not match, a Deny using one applies.
 */
import type { PolicyDocument, PolicyStatement } from './model.js';
import {
  type ConditionKeys,
  conditionKeys,
  evaluateConditions,
  matchesGlob,
  statementEffect,
} from './policyConditions.js';

export interface AssumeRoleContext {
  /** The principal as policies see it: the user ARN, or for a role session the role ARN. */
  principalArn: string;
  /** A role session's own ARN (arn:aws:sts::<acct>:assumed-role/<role>/<session>), also accepted as Principal. */
  sessionArn?: string;
  principalAccount: string;
  externalId?: string;
  roleSessionName?: string;
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

function namedPrincipalMatches(entry: string, context: AssumeRoleContext): boolean {
  if (entry === '*' || entry === context.principalAccount) return true;
  if (/^arn:aws[\w-]*:iam::\d{12}:root$/.test(entry) && entry.split(':')[4] === context.principalAccount)
    return true;
  return entry === context.principalArn || (context.sessionArn !== undefined && entry === context.sessionArn);
}

function principalMatches(statement: PolicyStatement, context: AssumeRoleContext): boolean {
  const principal = statement.Principal;
  if (principal === '*') return true;
  if (principal && typeof principal === 'object')
    return asList(principal.AWS).some((entry) => namedPrincipalMatches(entry, context));
  const notPrincipal = statement.NotPrincipal;
  if (notPrincipal === '*') return false;
  if (notPrincipal && typeof notPrincipal === 'object') {
    // Fails closed: the caller escapes only when its account and each of its ARNs are listed.
    const listed = asList(notPrincipal.AWS);
    if (listed.includes('*')) return false;
    const arns = [context.principalArn, ...(context.sessionArn ? [context.sessionArn] : [])];
    const accountListed = listed.some(
      (entry) =>
        entry === context.principalAccount || entry === `arn:aws:iam::${context.principalAccount}:root`,
    );
    return !(accountListed && arns.every((arn) => listed.includes(arn)));
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

/** The condition keys an AssumeRole request carries; other keys are unknown to the sandbox. */
function assumeRoleKeys(context: AssumeRoleContext): ConditionKeys {
  return conditionKeys({
    'sts:ExternalId': context.externalId,
    'sts:RoleSessionName': context.roleSessionName,
    'aws:PrincipalArn': context.principalArn,
    'aws:PrincipalAccount': context.principalAccount,
    'aws:MultiFactorAuthPresent':
      context.multiFactorAuthPresent === undefined ? undefined : String(context.multiFactorAuthPresent),
    // The sandbox stands in for AWS's HTTPS-only STS endpoints.
    'aws:SecureTransport': 'true',
  });
}

/** True when the trust policy lets this caller assume the role: an Allow matches and no Deny does. */
export function trustPolicyAllows(document: PolicyDocument, context: AssumeRoleContext): boolean {
  const keys = assumeRoleKeys(context);
  let allowed = false;
  for (const statement of statementsOf(document)) {
    if (!principalMatches(statement, context) || !actionMatches(statement)) continue;
    const effect = statementEffect(statement.Effect, evaluateConditions(statement.Condition, keys));
    if (effect === 'deny') return false;
    if (effect === 'allow') allowed = true;
  }
  return allowed;
}

/**
 * True when an Allow statement names the caller itself (its ARN or session ARN), not just its
 * account: within one account such a trust policy suffices without an identity-policy grant.
 */
export function trustPolicyNamesCaller(document: PolicyDocument, context: AssumeRoleContext): boolean {
  return statementsOf(document).some((statement) => {
    if (statement.Effect !== 'Allow' || !statement.Principal || statement.Principal === '*') return false;
    return asList(statement.Principal.AWS).some(
      (entry) => entry === context.principalArn || entry === context.sessionArn,
    );
  });
}
