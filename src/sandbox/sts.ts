/**
 * STS: GetCallerIdentity, GetSessionToken (with MFA) and AssumeRole, with AWS's validation
 * messages, MFA one-time semantics, role chaining limits, trust policies and IAM propagation delay.
 * Settings add latency and throttling so clients can be tested against both.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { findRoleByArn, validationError } from './iamRoles.js';
import { newAccessKeyId, newSecretAccessKey, newSessionToken } from './identifiers.js';
import { callerIdentityDecision } from './identityPolicy.js';
import type { Credential, IamUser, SandboxWorld } from './model.js';
import {
  AwsError,
  type SandboxContext,
  type SandboxRequest,
  type SandboxResponse,
  xmlEscape,
} from './protocol.js';
import { readQueryParams, renderQueryResult } from './queryProtocol.js';
import { acceptMfaCode } from './totp.js';
import { trustPolicyAllows, trustPolicyNamesCaller } from './trustPolicy.js';

const ROLE_CHAINING_LIMIT_SECONDS = 3600;

const MFA_UNABLE_TO_VALIDATE =
  'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.';
const MFA_INVALID_CODE = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';

function checkLength(value: string, member: string, min: number, max: number): void {
  if (value.length < min)
    throw validationError(value, member, `Member must have length greater than or equal to ${min}`);
  if (value.length > max)
    throw validationError(value, member, `Member must have length less than or equal to ${max}`);
}

function checkPattern(value: string, member: string, pattern: RegExp, shown: string): void {
  if (!pattern.test(value))
    throw validationError(value, member, `Member must satisfy regular expression pattern: ${shown}`);
}

function readDuration(params: URLSearchParams, min: number, max: number, fallback: number): number {
  const raw = params.get('DurationSeconds');
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw validationError(raw, 'durationSeconds', 'Member must be an integer');
  if (value < min)
    throw validationError(raw, 'durationSeconds', `Member must have value greater than or equal to ${min}`);
  if (value > max)
    throw validationError(raw, 'durationSeconds', `Member must have value less than or equal to ${max}`);
  return value;
}

/** SerialNumber and TokenCode, validated for shape; undefined when neither is given. */
function readMfa(params: URLSearchParams): { serialNumber: string; tokenCode: string } | undefined {
  const serialNumber = params.get('SerialNumber');
  const tokenCode = params.get('TokenCode');
  if (serialNumber === null && tokenCode === null) return undefined;
  if (serialNumber !== null) {
    checkLength(serialNumber, 'serialNumber', 9, 256);
    checkPattern(serialNumber, 'serialNumber', /^[\w+=/:,.@-]*$/, '[\\w+=/:,.@-]*');
  }
  if (tokenCode !== null) {
    checkLength(tokenCode, 'tokenCode', 6, 6);
    checkPattern(tokenCode, 'tokenCode', /^\d*$/, '[\\d]*');
  }
  if (serialNumber === null || tokenCode === null) {
    throw new AwsError('AccessDenied', MFA_UNABLE_TO_VALIDATE, 403);
  }
  return { serialNumber, tokenCode };
}

function userOf(world: SandboxWorld, caller: Credential): IamUser | undefined {
  return caller.userName === undefined
    ? undefined
    : world.accounts.get(caller.accountId)?.users.get(caller.userName);
}

/** Checks an MFA code for the calling user's device; throws AWS's AccessDenied messages. */
function checkMfa(
  world: SandboxWorld,
  caller: Credential,
  mfa: { serialNumber: string; tokenCode: string },
  now: number,
) {
  const device =
    caller.kind === 'user'
      ? userOf(world, caller)?.mfaDevices.find((d) => d.serialNumber === mfa.serialNumber)
      : undefined;
  if (!device) throw new AwsError('AccessDenied', MFA_UNABLE_TO_VALIDATE, 403);
  if (!acceptMfaCode(device, mfa.tokenCode, now)) throw new AwsError('AccessDenied', MFA_INVALID_CODE, 403);
}

function credentialsXml(credential: Credential): string {
  return (
    `<Credentials><AccessKeyId>${credential.accessKeyId}</AccessKeyId>` +
    `<SecretAccessKey>${xmlEscape(credential.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${xmlEscape(credential.sessionToken ?? '')}</SessionToken>` +
    `<Expiration>${new Date(credential.expiresAt ?? 0).toISOString()}</Expiration></Credentials>`
  );
}

function getCallerIdentity(caller: Credential): string {
  return (
    `<Arn>${xmlEscape(caller.arn)}</Arn><UserId>${xmlEscape(caller.userId)}</UserId>` +
    `<Account>${caller.accountId}</Account>`
  );
}

function getSessionToken(
  world: SandboxWorld,
  caller: Credential,
  params: URLSearchParams,
  now: number,
): string {
  const durationSeconds = readDuration(params, 900, 129600, 43200);
  const mfa = readMfa(params);
  if (caller.kind !== 'user') {
    throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', 403);
  }
  if (mfa) checkMfa(world, caller, mfa, now);
  const credential: Credential = {
    kind: 'session',
    accessKeyId: newAccessKeyId('ASIA'),
    secretAccessKey: newSecretAccessKey(),
    sessionToken: newSessionToken(),
    expiresAt: now + durationSeconds * 1000,
    accountId: caller.accountId,
    arn: caller.arn,
    userId: caller.userId,
    userName: caller.userName,
    mfaAuthenticated: mfa !== undefined,
  };
  world.credentials.set(credential.accessKeyId, credential);
  return credentialsXml(credential);
}

function assumeRole(world: SandboxWorld, caller: Credential, params: URLSearchParams, now: number): string {
  const roleArn = params.get('RoleArn') ?? '';
  checkLength(roleArn, 'roleArn', 20, 2048);
  const sessionName = params.get('RoleSessionName') ?? '';
  checkLength(sessionName, 'roleSessionName', 2, 64);
  checkPattern(sessionName, 'roleSessionName', /^[\w+=,.@-]*$/, '[\\w+=,.@-]*');
  const externalId = params.get('ExternalId') ?? undefined;
  if (externalId !== undefined) {
    checkLength(externalId, 'externalId', 2, 1224);
    checkPattern(externalId, 'externalId', /^[\w+=,.@:/-]*$/, '[\\w+=,.@:\\/-]*');
  }
  const durationSeconds = readDuration(params, 900, 43200, 3600);
  const mfa = readMfa(params);
  // GetSessionToken sessions count as role chaining too (aws-facts.md §3).
  const chained = caller.kind !== 'user';
  if (chained && durationSeconds > ROLE_CHAINING_LIMIT_SECONDS) {
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      400,
    );
  }
  if (mfa) checkMfa(world, caller, mfa, now);

  const principalArn = caller.kind === 'role' ? caller.roleArn! : caller.arn;
  const denied = new AwsError(
    'AccessDenied',
    `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  );
  const role = findRoleByArn(world, roleArn);
  // A new role is invisible to STS until IAM has propagated it.
  if (!role || now - role.createdAt < world.settings.iamPropagationMs) throw denied;
  const mfaPresent = mfa !== undefined ? true : caller.kind === 'user' ? undefined : caller.mfaAuthenticated;
  const trustContext = {
    principalArn,
    sessionArn: caller.kind === 'role' ? caller.arn : undefined,
    principalAccount: caller.accountId,
    externalId,
    roleSessionName: sessionName,
    multiFactorAuthPresent: mfaPresent,
  };
  if (!trustPolicyAllows(role.assumeRolePolicyDocument, trustContext)) throw denied;
  // A role session also needs its own role's policies to allow sts:AssumeRole on the target,
  // unless the target is in its account and its trust policy names the caller itself. (Users are
  // administrators of their account in the sandbox.)
  const namedInSameAccount =
    role.accountId === caller.accountId &&
    trustPolicyNamesCaller(role.assumeRolePolicyDocument, trustContext);
  if (!namedInSameAccount && callerIdentityDecision(world, caller, 'sts:AssumeRole', role.arn) !== 'allow')
    throw denied;
  if (durationSeconds > role.maxSessionDuration) {
    throw new AwsError(
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      400,
    );
  }

  const assumedRoleArn = `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`;
  const assumedRoleId = `${role.roleId}:${sessionName}`;
  const credential: Credential = {
    kind: 'role',
    accessKeyId: newAccessKeyId('ASIA'),
    secretAccessKey: newSecretAccessKey(),
    sessionToken: newSessionToken(),
    expiresAt: now + durationSeconds * 1000,
    accountId: role.accountId,
    arn: assumedRoleArn,
    userId: assumedRoleId,
    roleArn: role.arn,
    roleName: role.roleName,
    sessionName,
    mfaAuthenticated: mfaPresent === true,
  };
  world.credentials.set(credential.accessKeyId, credential);
  return (
    credentialsXml(credential) +
    `<AssumedRoleUser><AssumedRoleId>${xmlEscape(assumedRoleId)}</AssumedRoleId>` +
    `<Arn>${xmlEscape(assumedRoleArn)}</Arn></AssumedRoleUser>`
  );
}

/** The STS endpoint. The server has verified the signature and resolved `request.caller`. */
export async function handleSts(request: SandboxRequest, context: SandboxContext): Promise<SandboxResponse> {
  const { world } = context;
  const { stsLatencyMs, throttleEvery } = world.settings;
  if (stsLatencyMs > 0) await sleep(stsLatencyMs);
  world.stsCallCount += 1;
  if (throttleEvery > 0 && world.stsCallCount % throttleEvery === 0) {
    throw new AwsError('Throttling', 'Rate exceeded', 400);
  }
  const caller = request.caller;
  if (!caller)
    throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const params = readQueryParams(request);
  const action = params.get('Action') ?? '';
  const now = context.now();
  const region = request.signedRegion ?? 'us-east-1';
  if (world.settings.stsDisabledRegions.includes(region)) {
    // For AssumeRole the role-owning account must have the region active (aws-facts.md §3).
    const roleAccount =
      action === 'AssumeRole' ? /^arn:aws:iam::(\d{12}):/.exec(params.get('RoleArn') ?? '') : null;
    throw new AwsError(
      'RegionDisabledException',
      `STS is not activated in this region for account:${roleAccount?.[1] ?? caller.accountId}. Your account administrator can activate STS in this region using the IAM Console.`,
      403,
    );
  }
  let result: string;
  switch (action) {
    case 'GetCallerIdentity':
      result = getCallerIdentity(caller);
      break;
    case 'GetSessionToken':
      result = getSessionToken(world, caller, params, now);
      break;
    case 'AssumeRole':
      result = assumeRole(world, caller, params, now);
      break;
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`, 400);
  }
  return renderQueryResult('sts', action, result, request.requestId);
}
