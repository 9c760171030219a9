/**
 * Creating and deleting IAM roles in the sandbox world, shared by the IAM API (iam.ts), the
 * CloudFormation service (AWS::IAM::Role) and tests. Validates as IAM does: names, paths, session
 * limits, and trust policies whose principals must exist.
 */
import { newUniqueId } from './identifiers.js';
import type { IamRole, PolicyDocument, SandboxWorld } from './model.js';
import { AwsError } from './protocol.js';
import { statementsOf } from './trustPolicy.js';

export interface CreateRoleInput {
  roleName: string;
  /** `/` (default) or `/a/b/`. */
  path?: string;
  /** JSON text or an already parsed document. */
  assumeRolePolicyDocument: string | PolicyDocument;
  /** Seconds, 3600..43200; default 3600. */
  maxSessionDuration?: number;
  description?: string;
  inlinePolicies?: Record<string, string | PolicyDocument>;
  managedPolicyArns?: string[];
  /** The stack creating it, so DeleteStack can remove it. */
  stackId?: string;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;

export function validationError(value: string, member: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
    400,
  );
}

function noSuchAccount(accountId: string): AwsError {
  return new AwsError('NoSuchEntity', `The account ${accountId} does not exist in the sandbox.`, 404);
}

/** Parses a policy document (JSON text or object); MalformedPolicyDocument when it is not one. */
export function parsePolicyDocument(input: string | PolicyDocument): PolicyDocument {
  let document: unknown = input;
  if (typeof input === 'string') {
    try {
      document = JSON.parse(input);
    } catch {
      throw new AwsError('MalformedPolicyDocument', 'This policy contains invalid Json', 400);
    }
  }
  if (!document || typeof document !== 'object' || !('Statement' in document)) {
    throw new AwsError(
      'MalformedPolicyDocument',
      'Syntax errors in policy: the policy must have a Statement.',
      400,
    );
  }
  const parsed = document as PolicyDocument;
  for (const statement of statementsOf(parsed)) {
    if (!statement || (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')) {
      throw new AwsError(
        'MalformedPolicyDocument',
        'Syntax errors in policy: Effect must be Allow or Deny.',
        400,
      );
    }
  }
  return parsed;
}

/** Finds a user or role by ARN (paths included) anywhere in the world. */
export function principalExists(world: SandboxWorld, arn: string): boolean {
  const match = /^arn:aws:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!match) return false;
  const account = world.accounts.get(match[1]!);
  if (!account) return false;
  const entity = match[2] === 'user' ? account.users.get(match[3]!) : account.roles.get(match[3]!);
  return entity?.arn === arn;
}

/** Trust policies name principals that must exist: an account, its root, or a real user or role. */
export function validateTrustPolicy(world: SandboxWorld, document: PolicyDocument): void {
  for (const statement of statementsOf(document)) {
    const principal = statement.Principal;
    if (principal === undefined) {
      throw new AwsError(
        'MalformedPolicyDocument',
        'Has prohibited field Resource or missing Principal.',
        400,
      );
    }
    if (principal === '*' || typeof principal !== 'object') continue;
    const entries =
      principal.AWS === undefined ? [] : Array.isArray(principal.AWS) ? principal.AWS : [principal.AWS];
    for (const entry of entries) {
      const valid =
        entry === '*' ||
        /^\d{12}$/.test(entry) ||
        /^arn:aws:iam::\d{12}:root$/.test(entry) ||
        principalExists(world, entry);
      if (!valid) {
        throw new AwsError('MalformedPolicyDocument', `Invalid principal in policy: "AWS":"${entry}"`, 400);
      }
    }
  }
}

export function findRoleByArn(world: SandboxWorld, arn: string): IamRole | undefined {
  const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!match) return undefined;
  const role = world.accounts.get(match[1]!)?.roles.get(match[2]!);
  return role?.arn === arn ? role : undefined;
}

/** Creates a role in `accountId`; `now` is the sandbox clock (ms) and starts IAM propagation. */
export function createRole(
  world: SandboxWorld,
  accountId: string,
  input: CreateRoleInput,
  now: number,
): IamRole {
  const account = world.accounts.get(accountId);
  if (!account) throw noSuchAccount(accountId);
  if (!ROLE_NAME.test(input.roleName)) {
    throw validationError(
      input.roleName,
      'roleName',
      'Member must satisfy regular expression pattern: [\\w+=,.@-]+',
    );
  }
  const path = input.path ?? '/';
  if (path.length > 512 || !ROLE_PATH.test(path)) {
    throw validationError(
      path,
      'path',
      'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
    );
  }
  const maxSessionDuration = input.maxSessionDuration ?? 3600;
  if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
    throw validationError(
      String(maxSessionDuration),
      'maxSessionDuration',
      'Member must have value less than or equal to 43200 and greater than or equal to 3600',
    );
  }
  const trust = parsePolicyDocument(input.assumeRolePolicyDocument);
  validateTrustPolicy(world, trust);
  if (account.roles.has(input.roleName)) {
    throw new AwsError('EntityAlreadyExists', `Role with name ${input.roleName} already exists.`, 409);
  }
  const inlinePolicies = new Map<string, PolicyDocument>();
  for (const [name, policy] of Object.entries(input.inlinePolicies ?? {})) {
    inlinePolicies.set(name, parsePolicyDocument(policy));
  }
  const role: IamRole = {
    accountId,
    roleName: input.roleName,
    path,
    arn: `arn:aws:iam::${accountId}:role${path}${input.roleName}`,
    roleId: newUniqueId('AROA'),
    assumeRolePolicyDocument: trust,
    inlinePolicies,
    managedPolicyArns: [...(input.managedPolicyArns ?? [])],
    maxSessionDuration,
    createdAt: now,
    stackId: input.stackId,
  };
  account.roles.set(role.roleName, role);
  return role;
}

/** Replaces a role's trust policy (UpdateAssumeRolePolicy). */
export function updateAssumeRolePolicy(
  world: SandboxWorld,
  accountId: string,
  roleName: string,
  document: string | PolicyDocument,
): IamRole {
  const role = getRole(world, accountId, roleName);
  const trust = parsePolicyDocument(document);
  validateTrustPolicy(world, trust);
  role.assumeRolePolicyDocument = trust;
  return role;
}

export function getRole(world: SandboxWorld, accountId: string, roleName: string): IamRole {
  const account = world.accounts.get(accountId);
  if (!account) throw noSuchAccount(accountId);
  const role = account.roles.get(roleName);
  if (!role) throw new AwsError('NoSuchEntity', `The role with name ${roleName} cannot be found.`, 404);
  return role;
}

/** Deletes a role; NoSuchEntity when it does not exist. Sessions already issued stay valid, as in AWS. */
export function deleteRole(world: SandboxWorld, accountId: string, roleName: string): IamRole {
  const role = getRole(world, accountId, roleName);
  world.accounts.get(accountId)!.roles.delete(roleName);
  return role;
}
