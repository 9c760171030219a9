/**
 * IAM policy matching for the sandbox: which statements of a policy apply to an action on a resource.
 * Identity policies (a role's inline and managed policies) use `isAllowedByPolicies`; resource policies
 * (S3 bucket policies) reuse `statementDecision` after matching the principal.
 *
 * Conditions: the keys of `callerConditionKeys` (aws:PrincipalArn, aws:PrincipalAccount,
 * aws:MultiFactorAuthPresent, aws:SecureTransport) are evaluated; a condition on any other key or
 * with an operator the sandbox does not know fails closed (policyConditions.ts): such a Deny applies
 * and such an Allow grants nothing. The sandbox may so refuse what AWS allows, never the reverse.
 */
import type { Credential, IamRole, PolicyDocument, PolicyStatement, SandboxWorld } from './model.js';
import {
  type ConditionKeys,
  conditionKeys,
  evaluateConditions,
  NO_CONDITION_KEYS,
  statementEffect,
} from './policyConditions.js';

export type PolicyDecision = 'allow' | 'deny' | 'none';

/** The AWS managed policies the sandbox knows, by ARN; others grant nothing. */
export const MANAGED_POLICIES: ReadonlyMap<string, PolicyDocument> = new Map<string, PolicyDocument>([
  [
    'arn:aws:iam::aws:policy/AdministratorAccess',
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  ],
  [
    'arn:aws:iam::aws:policy/AmazonS3FullAccess',
    {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }],
    },
  ],
  [
    'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'],
          Resource: '*',
        },
      ],
    },
  ],
]);

/** A role's identity policies: its inline policies plus the managed policies the sandbox knows. */
export function rolePolicies(role: IamRole): PolicyDocument[] {
  const managed = role.managedPolicyArns
    .map((arn) => MANAGED_POLICIES.get(arn))
    .filter((policy): policy is PolicyDocument => policy !== undefined);
  return [...role.inlinePolicies.values(), ...managed];
}

/**
 * The global condition keys of a request by `caller` (undefined: anonymous). aws:PrincipalArn is
 * the role ARN for role sessions; aws:MultiFactorAuthPresent is absent for long-term keys.
 */
export function callerConditionKeys(caller: Credential | undefined): ConditionKeys {
  return conditionKeys({
    'aws:PrincipalArn': caller ? (caller.roleArn ?? caller.arn) : undefined,
    'aws:PrincipalAccount': caller?.accountId,
    'aws:MultiFactorAuthPresent':
      caller && caller.kind !== 'user' ? String(caller.mfaAuthenticated) : undefined,
    // The sandbox stands in for AWS's HTTPS endpoints.
    'aws:SecureTransport': 'true',
  });
}

/**
 * What a caller's own identity allows. Users and their GetSessionToken sessions are administrators
 * of their account in the sandbox; role sessions are limited by the role's current policies.
 */
export function callerIdentityDecision(
  world: SandboxWorld,
  caller: Credential,
  action: string,
  resource: string,
): PolicyDecision {
  if (caller.kind !== 'role') return 'allow';
  const role = caller.roleName ? world.accounts.get(caller.accountId)?.roles.get(caller.roleName) : undefined;
  if (!role) return 'none';
  return isAllowedByPolicies(rolePolicies(role), action, resource, callerConditionKeys(caller));
}

/**
 * Evaluates identity policies as IAM does: an explicit Deny wins, then any Allow, else no decision
 * (an implicit deny). `keys` are the request's condition keys; without them every Condition is
 * unknown (conditional Denys apply, conditional Allows do not).
 */
export function isAllowedByPolicies(
  policies: PolicyDocument[],
  action: string,
  resource: string,
  keys: ConditionKeys = NO_CONDITION_KEYS,
): PolicyDecision {
  let decision: PolicyDecision = 'none';
  for (const policy of policies) {
    for (const statement of statementsOf(policy)) {
      const effect = statementDecision(statement, action, resource, keys);
      if (effect === 'deny') return 'deny';
      if (effect === 'allow') decision = 'allow';
    }
  }
  return decision;
}

/** A policy's statements as a list (the `Statement` field may be a single object). */
export function statementsOf(policy: PolicyDocument): PolicyStatement[] {
  const statement = policy.Statement;
  if (Array.isArray(statement)) return statement;
  return statement ? [statement] : [];
}

/** Whether a statement's Action/NotAction and Resource/NotResource cover the request (principal and conditions aside). */
export function statementApplies(statement: PolicyStatement, action: string, resource: string): boolean {
  if (!actionMatches(statement, action)) return false;
  return resourceMatches(statement, resource);
}

/**
 * What one statement says about the request (principal aside): 'allow', 'deny', or undefined when
 * it does not apply. Conditions it cannot evaluate fail closed.
 */
export function statementDecision(
  statement: PolicyStatement,
  action: string,
  resource: string,
  keys: ConditionKeys,
): 'allow' | 'deny' | undefined {
  if (!statementApplies(statement, action, resource)) return undefined;
  return statementEffect(statement.Effect, evaluateConditions(statement.Condition, keys));
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  // Action names are case-insensitive in IAM ("s3:getobject" equals "s3:GetObject").
  if (statement.Action !== undefined) {
    return listOf(statement.Action).some((pattern) => wildcardMatches(pattern, action, true));
  }
  if (statement.NotAction !== undefined) {
    return !listOf(statement.NotAction).some((pattern) => wildcardMatches(pattern, action, true));
  }
  return false;
}

function resourceMatches(statement: PolicyStatement, resource: string): boolean {
  const withNotResource = statement as PolicyStatement & { NotResource?: string | string[] };
  if (statement.Resource !== undefined) {
    return listOf(statement.Resource).some((pattern) => wildcardMatches(pattern, resource, false));
  }
  if (withNotResource.NotResource !== undefined) {
    return !listOf(withNotResource.NotResource).some((pattern) => wildcardMatches(pattern, resource, false));
  }
  // IAM requires Resource in identity policies; a statement without one is read as every resource.
  return true;
}

/** IAM wildcard matching: `*` any run of characters, `?` exactly one. */
export function wildcardMatches(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's').test(value);
}

function listOf(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}
