/**
 * Creating the resource types the sandbox's CloudFormation supports, AWS::IAM::Role and
 * AWS::IAM::Policy, through the same IAM functions the IAM API uses. Each creation returns an `undo`
 * that rollback and DeleteStack run. Any other type fails the stack.
 */
import { randomBytes } from 'node:crypto';
import { createRole, deleteRole, parsePolicyDocument } from '../iamRoles.js';
import type { PolicyDocument, SandboxWorld } from '../model.js';
import { AwsError } from '../protocol.js';

export interface ProvisionTarget {
  world: SandboxWorld;
  accountId: string;
  stackName: string;
  stackId: string;
  now: number;
}

export interface ProvisionedResource {
  physicalId: string;
  attributes: Record<string, string>;
  undo(): void;
}

/** Why one resource failed; the stack's status reason names the resource and this cause. */
export class ResourceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceFailure';
  }
}

const ROLE_PROPERTIES = new Set([
  'RoleName',
  'Path',
  'AssumeRolePolicyDocument',
  'Policies',
  'ManagedPolicyArns',
  'MaxSessionDuration',
  'Description',
  'Tags',
  'PermissionsBoundary',
]);
const POLICY_PROPERTIES = new Set(['PolicyName', 'PolicyDocument', 'Roles', 'Users', 'Groups']);

export const SUPPORTED_RESOURCE_TYPES = ['AWS::IAM::Role', 'AWS::IAM::Policy'];

export function provisionResource(
  target: ProvisionTarget,
  logicalId: string,
  type: string,
  properties: Record<string, unknown>,
): ProvisionedResource {
  try {
    switch (type) {
      case 'AWS::IAM::Role':
        return provisionRole(target, logicalId, properties);
      case 'AWS::IAM::Policy':
        return provisionPolicy(target, logicalId, properties);
      default:
        throw new ResourceFailure(
          `Resource type ${type} is not supported by the Skybridge sandbox (supported: ${SUPPORTED_RESOURCE_TYPES.join(', ')}).`,
        );
    }
  } catch (error) {
    if (error instanceof AwsError) {
      throw new ResourceFailure(
        `${error.message} (Service: Iam, Status Code: ${error.status}, Error Code: ${error.code})`,
      );
    }
    throw error;
  }
}

function checkProperties(logicalId: string, properties: Record<string, unknown>, allowed: Set<string>): void {
  for (const name of Object.keys(properties)) {
    if (!allowed.has(name)) {
      throw new ResourceFailure(
        `Properties validation failed for resource ${logicalId} with message: #: extraneous key [${name}] is not permitted`,
      );
    }
  }
}

function requiredProperty(logicalId: string, properties: Record<string, unknown>, name: string): unknown {
  const value = properties[name];
  if (value === undefined || value === null || value === '') {
    throw new ResourceFailure(
      `Properties validation failed for resource ${logicalId} with message: #: required key [${name}] not found`,
    );
  }
  return value;
}

function policyDocumentOf(value: unknown): PolicyDocument {
  return parsePolicyDocument(typeof value === 'string' ? value : (value as PolicyDocument));
}

/** Names CloudFormation gives unnamed resources: `<stack>-<logical id>-<12 random characters>`. */
function generatedName(target: ProvisionTarget, logicalId: string, maxLength: number): string {
  const suffix = randomSuffix();
  const room = maxLength - suffix.length - 2;
  const stackPart = target.stackName.slice(0, Math.ceil(room / 2));
  const logicalPart = logicalId.slice(0, room - stackPart.length);
  return `${stackPart}-${logicalPart}-${suffix}`;
}

function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(12)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function stringList(logicalId: string, name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new ResourceFailure(
      `Properties validation failed for resource ${logicalId} with message: #/${name}: expected type: JSONArray of strings`,
    );
  }
  return value as string[];
}

function provisionRole(
  target: ProvisionTarget,
  logicalId: string,
  properties: Record<string, unknown>,
): ProvisionedResource {
  checkProperties(logicalId, properties, ROLE_PROPERTIES);
  const trust = requiredProperty(logicalId, properties, 'AssumeRolePolicyDocument');
  const roleName =
    properties.RoleName === undefined ? generatedName(target, logicalId, 64) : String(properties.RoleName);
  const inlinePolicies: Record<string, PolicyDocument> = {};
  const policies = properties.Policies ?? [];
  if (!Array.isArray(policies)) {
    throw new ResourceFailure(
      `Properties validation failed for resource ${logicalId} with message: #/Policies: expected type: JSONArray`,
    );
  }
  for (const entry of policies as Record<string, unknown>[]) {
    const name = requiredProperty(logicalId, entry ?? {}, 'PolicyName');
    inlinePolicies[String(name)] = policyDocumentOf(
      requiredProperty(logicalId, entry ?? {}, 'PolicyDocument'),
    );
  }
  const managedPolicyArns = stringList(logicalId, 'ManagedPolicyArns', properties.ManagedPolicyArns);
  for (const arn of managedPolicyArns) {
    // Only AWS managed policies exist in the sandbox; a customer-managed ARN names nothing.
    if (!/^arn:aws:iam::aws:policy\/.+/.test(arn)) {
      throw new ResourceFailure(`Policy ${arn} does not exist or is not attachable.`);
    }
  }
  const role = createRole(
    target.world,
    target.accountId,
    {
      roleName,
      path: properties.Path === undefined ? undefined : String(properties.Path),
      assumeRolePolicyDocument: policyDocumentOf(trust),
      maxSessionDuration:
        properties.MaxSessionDuration === undefined ? undefined : Number(properties.MaxSessionDuration),
      description: properties.Description === undefined ? undefined : String(properties.Description),
      inlinePolicies,
      managedPolicyArns,
      stackId: target.stackId,
    },
    target.now,
  );
  return {
    physicalId: role.roleName,
    attributes: { Arn: role.arn, RoleId: role.roleId },
    undo: () => {
      const current = target.world.accounts.get(target.accountId)?.roles.get(role.roleName);
      // A role deleted or replaced outside the stack is left alone, as CloudFormation does.
      if (current === role) deleteRole(target.world, target.accountId, role.roleName);
    },
  };
}

function provisionPolicy(
  target: ProvisionTarget,
  logicalId: string,
  properties: Record<string, unknown>,
): ProvisionedResource {
  checkProperties(logicalId, properties, POLICY_PROPERTIES);
  const policyName = String(requiredProperty(logicalId, properties, 'PolicyName'));
  const document = policyDocumentOf(requiredProperty(logicalId, properties, 'PolicyDocument'));
  const roleNames = stringList(logicalId, 'Roles', properties.Roles);
  if (
    stringList(logicalId, 'Users', properties.Users).length +
      stringList(logicalId, 'Groups', properties.Groups).length >
    0
  ) {
    throw new ResourceFailure(
      'AWS::IAM::Policy attached to Users or Groups is not supported by the Skybridge sandbox.',
    );
  }
  if (roleNames.length === 0) {
    throw new ResourceFailure('At least one of [Groups,Roles,Users] must be non-empty.');
  }
  const account = target.world.accounts.get(target.accountId);
  const roles = roleNames.map((name) => {
    const role = account?.roles.get(name);
    if (!role) throw new ResourceFailure(`The role with name ${name} cannot be found.`);
    return role;
  });
  for (const role of roles) role.inlinePolicies.set(policyName, document);
  return {
    physicalId: generatedName(target, logicalId.slice(0, 5), 40),
    attributes: {},
    undo: () => {
      for (const role of roles) {
        if (role.inlinePolicies.get(policyName) === document) role.inlinePolicies.delete(policyName);
      }
    },
  };
}
