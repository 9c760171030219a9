/**
 * IAM, enough for tenants and tests: CreateRole, GetRole, DeleteRole, UpdateAssumeRolePolicy,
 * ListRoles, in the caller's own account. Sandbox users administer their own account (no identity
 * policies); sessions from GetSessionToken without MFA cannot call IAM (InvalidClientTokenId), as in AWS.
 */
import { createRole, deleteRole, getRole, updateAssumeRolePolicy } from './iamRoles.js';
import type { IamRole } from './model.js';
import {
  AwsError,
  type SandboxContext,
  type SandboxRequest,
  type SandboxResponse,
  xmlEscape,
} from './protocol.js';
import { readQueryParams, renderQueryResult } from './queryProtocol.js';

function roleXml(role: IamRole): string {
  return (
    `<Path>${xmlEscape(role.path)}</Path><RoleName>${xmlEscape(role.roleName)}</RoleName>` +
    `<RoleId>${role.roleId}</RoleId><Arn>${xmlEscape(role.arn)}</Arn>` +
    `<CreateDate>${new Date(role.createdAt).toISOString()}</CreateDate>` +
    // IAM returns policy documents URL-encoded.
    `<AssumeRolePolicyDocument>${encodeURIComponent(JSON.stringify(role.assumeRolePolicyDocument))}</AssumeRolePolicyDocument>` +
    `<MaxSessionDuration>${role.maxSessionDuration}</MaxSessionDuration>`
  );
}

function required(params: URLSearchParams, name: string, member: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

export async function handleIam(request: SandboxRequest, context: SandboxContext): Promise<SandboxResponse> {
  const caller = request.caller;
  if (!caller)
    throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const params = readQueryParams(request);
  const action = params.get('Action') ?? '';
  // AWS answers a GetSessionToken session without MFA as if its token were not valid for IAM.
  if (caller.kind === 'session' && !caller.mfaAuthenticated) {
    throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid', 403);
  }
  const { world } = context;
  const accountId = caller.accountId;
  let result: string | undefined;
  switch (action) {
    case 'CreateRole': {
      const maxSessionDuration = params.get('MaxSessionDuration');
      const role = createRole(
        world,
        accountId,
        {
          roleName: required(params, 'RoleName', 'roleName'),
          path: params.get('Path') ?? undefined,
          assumeRolePolicyDocument: required(params, 'AssumeRolePolicyDocument', 'assumeRolePolicyDocument'),
          maxSessionDuration: maxSessionDuration === null ? undefined : Number(maxSessionDuration),
          description: params.get('Description') ?? undefined,
        },
        context.now(),
      );
      result = `<Role>${roleXml(role)}</Role>`;
      break;
    }
    case 'GetRole':
      result = `<Role>${roleXml(getRole(world, accountId, required(params, 'RoleName', 'roleName')))}</Role>`;
      break;
    case 'DeleteRole':
      deleteRole(world, accountId, required(params, 'RoleName', 'roleName'));
      break;
    case 'UpdateAssumeRolePolicy':
      updateAssumeRolePolicy(
        world,
        accountId,
        required(params, 'RoleName', 'roleName'),
        required(params, 'PolicyDocument', 'policyDocument'),
      );
      break;
    case 'ListRoles': {
      const prefix = params.get('PathPrefix') ?? '/';
      const roles = [...(world.accounts.get(accountId)?.roles.values() ?? [])]
        .filter((role) => role.path.startsWith(prefix))
        .sort((a, b) => a.roleName.localeCompare(b.roleName));
      result = `<IsTruncated>false</IsTruncated><Roles>${roles.map((r) => `<member>${roleXml(r)}</member>`).join('')}</Roles>`;
      break;
    }
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2010-05-08`, 400);
  }
  return renderQueryResult('iam', action, result, request.requestId);
}
