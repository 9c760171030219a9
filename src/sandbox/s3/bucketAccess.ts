/**
 * Who may do what to a bucket. The owner account acts through its identity (users and their
 * sessions are administrators of their account; role sessions are limited by the role's policies),
 * other accounts and anonymous callers only through the bucket policy. Cross-account callers need
 * both their own identity's Allow and the bucket policy's Allow, as in AWS. Any explicit Deny wins.
 */
import {
  callerConditionKeys,
  callerIdentityDecision,
  type PolicyDecision,
  statementDecision,
  statementsOf,
} from '../identityPolicy.js';
import type { Credential, PolicyDocument, PolicyStatement, S3Bucket, SandboxWorld } from '../model.js';
import { type ConditionKeys, conditionKeys } from '../policyConditions.js';
import { AwsError } from '../protocol.js';

/** The principal a bucket policy is matched against: undefined for an anonymous request. */
export interface BucketPolicyPrincipal {
  accountId: string;
  /** ARNs the caller is known by: its user or assumed-role ARN, and the role's ARN. */
  arns: string[];
  /** The request's condition keys; without them only aws:PrincipalAccount is known. */
  conditionKeys?: ConditionKeys;
}

export function accessDenied(): AwsError {
  return new AwsError('AccessDenied', 'Access Denied', 403);
}

export function principalOf(caller: Credential | undefined): BucketPolicyPrincipal | undefined {
  if (!caller) return undefined;
  const arns = [caller.arn];
  if (caller.roleArn) arns.push(caller.roleArn);
  return { accountId: caller.accountId, arns, conditionKeys: callerConditionKeys(caller) };
}

/** What a bucket policy says about a principal's action on a resource. */
export function bucketPolicyDecision(
  policy: PolicyDocument | undefined,
  principal: BucketPolicyPrincipal | undefined,
  action: string,
  resource: string,
): PolicyDecision {
  if (!policy) return 'none';
  const keys =
    principal === undefined
      ? callerConditionKeys(undefined)
      : (principal.conditionKeys ?? conditionKeys({ 'aws:PrincipalAccount': principal.accountId }));
  let decision: PolicyDecision = 'none';
  for (const statement of statementsOf(policy)) {
    if (!principalMatches(statement, principal)) continue;
    const effect = statementDecision(statement, action, resource, keys);
    if (effect === 'deny') return 'deny';
    if (effect === 'allow') decision = 'allow';
  }
  return decision;
}

function principalMatches(statement: PolicyStatement, principal: BucketPolicyPrincipal | undefined): boolean {
  if (statement.Principal !== undefined) {
    const aws = awsPrincipals(statement.Principal);
    if (aws === '*') return true;
    if (!principal) return false;
    return aws.some((entry) => namesAccount(entry, principal.accountId) || principal.arns.includes(entry));
  }
  if (statement.NotPrincipal !== undefined) {
    // Fails closed: the caller escapes a NotPrincipal only when its account and every ARN it is
    // known by are listed (AWS asks for the account, the role and the session ARN alike).
    const aws = awsPrincipals(statement.NotPrincipal);
    if (aws === '*') return false;
    if (!principal) return true;
    const listed =
      aws.some((entry) => namesAccount(entry, principal.accountId)) &&
      principal.arns.every((arn) => aws.includes(arn));
    return !listed;
  }
  return false;
}

function awsPrincipals(named: NonNullable<PolicyStatement['Principal']>): string[] | '*' {
  if (named === '*') return '*';
  const aws = named.AWS === undefined ? [] : Array.isArray(named.AWS) ? named.AWS : [named.AWS];
  return aws.includes('*') ? '*' : aws;
}

function namesAccount(entry: string, accountId: string): boolean {
  return entry === accountId || entry === `arn:aws:iam::${accountId}:root`;
}

/** Throws AccessDenied unless the caller may perform `action` on `resource` of `bucket`. */
export function authorizeBucketAction(
  world: SandboxWorld,
  caller: Credential | undefined,
  bucket: S3Bucket,
  action: string,
  resource: string,
): void {
  if (!isBucketActionAllowed(world, caller, bucket, action, resource)) throw accessDenied();
}

export function isBucketActionAllowed(
  world: SandboxWorld,
  caller: Credential | undefined,
  bucket: S3Bucket,
  action: string,
  resource: string,
): boolean {
  const fromPolicy = bucketPolicyDecision(bucket.policy, principalOf(caller), action, resource);
  if (fromPolicy === 'deny') return false;
  if (!caller) return fromPolicy === 'allow';
  const fromIdentity = callerIdentityDecision(world, caller, action, resource);
  if (fromIdentity === 'deny') return false;
  if (caller.accountId === bucket.accountId) return fromIdentity === 'allow' || fromPolicy === 'allow';
  return fromIdentity === 'allow' && fromPolicy === 'allow';
}

/** For actions that name no existing bucket (CreateBucket, ListBuckets): the identity alone decides. */
export function authorizeAccountAction(
  world: SandboxWorld,
  caller: Credential | undefined,
  action: string,
  resource: string,
): Credential {
  if (!caller || callerIdentityDecision(world, caller, action, resource) !== 'allow') throw accessDenied();
  return caller;
}

export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

export function objectArn(bucket: string, key: string): string {
  return `arn:aws:s3:::${bucket}/${key}`;
}
