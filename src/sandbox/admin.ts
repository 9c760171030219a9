/**
 * The sandbox admin API under /_sandbox (contract §6): accounts, users with access keys, virtual MFA
 * devices, settings, reset, and call statistics. JSON in and out; errors `{"error":{"code","message"}}`.
 */
import { z } from 'zod';
import { newAccessKeyId, newAccountId, newSecretAccessKey, newUniqueId } from './identifiers.js';
import type { IamUser, SandboxWorld } from './model.js';
import type { SandboxContext, SandboxRequest, SandboxResponse } from './protocol.js';
import { newBase32Secret } from './totp.js';

class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const createAccountBody = z.strictObject({
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'accountId must be exactly 12 digits')
    .optional(),
  /** Shown beside the id in the console's account list, so people pick the right account. */
  name: z
    .string({ error: 'name must be a string' })
    .trim()
    .min(1, 'name must not be empty')
    .max(64, 'name must be at most 64 characters')
    .optional(),
});

const createUserBody = z.strictObject({
  userName: z
    .string({ error: 'userName is required and must be a string' })
    .regex(/^[\w+=,.@-]{1,64}$/, 'userName must be 1 to 64 characters of letters, digits and +=,.@_-'),
});

const nonNegativeInt = (field: string) =>
  z
    .number({ error: `${field} must be a number` })
    .int(`${field} must be an integer`)
    .min(0, `${field} must be >= 0`);

const settingsBody = z.strictObject({
  iamPropagationMs: nonNegativeInt('iamPropagationMs').optional(),
  stsLatencyMs: nonNegativeInt('stsLatencyMs').max(60_000, 'stsLatencyMs must be <= 60000').optional(),
  throttleEvery: nonNegativeInt('throttleEvery').optional(),
  clockOffsetMs: z
    .number({ error: 'clockOffsetMs must be a number' })
    .int('clockOffsetMs must be an integer')
    .optional(),
  stsDisabledRegions: z
    .array(
      z
        .string({ error: 'stsDisabledRegions must hold region names' })
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'stsDisabledRegions must hold region names like eu-west-1')
        .refine((region) => region !== 'us-east-1', 'stsDisabledRegions cannot hold us-east-1'),
      { error: 'stsDisabledRegions must be an array of region names' },
    )
    .optional(),
});

function json(status: number, value: unknown): SandboxResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function parseBody<T>(request: SandboxRequest, schema: z.ZodType<T>): T {
  let value: unknown = {};
  const text = request.body.toString('utf8').trim();
  if (text) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new AdminError(400, 'invalid_json', 'The request body must be JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) =>
        issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
      )
      .join('; ');
    throw new AdminError(400, 'invalid_request', message);
  }
  return parsed.data;
}

function accountOf(world: SandboxWorld, accountId: string) {
  const account = world.accounts.get(accountId);
  if (!account)
    throw new AdminError(404, 'account_not_found', `Account ${accountId} does not exist in the sandbox.`);
  return account;
}

function userOf(world: SandboxWorld, accountId: string, userName: string): IamUser {
  const user = accountOf(world, accountId).users.get(userName);
  if (!user)
    throw new AdminError(404, 'user_not_found', `User ${userName} does not exist in account ${accountId}.`);
  return user;
}

function createAccount(world: SandboxWorld, request: SandboxRequest): SandboxResponse {
  const body = parseBody(request, createAccountBody);
  let accountId = body.accountId;
  if (accountId === undefined) {
    do accountId = newAccountId();
    while (world.accounts.has(accountId));
  } else if (world.accounts.has(accountId)) {
    throw new AdminError(409, 'account_exists', `Account ${accountId} already exists.`);
  }
  world.accounts.set(accountId, {
    id: accountId,
    ...(body.name ? { name: body.name } : {}),
    users: new Map(),
    roles: new Map(),
    stacks: new Map(),
  });
  return json(201, { accountId, ...(body.name ? { name: body.name } : {}) });
}

function createUser(world: SandboxWorld, accountId: string, request: SandboxRequest): SandboxResponse {
  const account = accountOf(world, accountId);
  const { userName } = parseBody(request, createUserBody);
  if (account.users.has(userName)) {
    throw new AdminError(409, 'user_exists', `User ${userName} already exists in account ${accountId}.`);
  }
  const user: IamUser = {
    accountId,
    userName,
    arn: `arn:aws:iam::${accountId}:user/${userName}`,
    userId: newUniqueId('AIDA'),
    mfaDevices: [],
  };
  account.users.set(userName, user);
  const accessKeyId = newAccessKeyId('AKIA');
  const secretAccessKey = newSecretAccessKey();
  world.credentials.set(accessKeyId, {
    kind: 'user',
    accessKeyId,
    secretAccessKey,
    accountId,
    arn: user.arn,
    userId: user.userId!,
    userName,
    mfaAuthenticated: false,
  });
  return json(201, { arn: user.arn, accessKeyId, secretAccessKey });
}

function createMfaDevice(world: SandboxWorld, accountId: string, userName: string): SandboxResponse {
  const user = userOf(world, accountId, userName);
  const serialNumber = `arn:aws:iam::${accountId}:mfa/${userName}`;
  if (user.mfaDevices.some((device) => device.serialNumber === serialNumber)) {
    throw new AdminError(409, 'mfa_exists', `User ${userName} already has the MFA device ${serialNumber}.`);
  }
  const base32Secret = newBase32Secret();
  user.mfaDevices.push({ serialNumber, base32Secret, usedSteps: new Set() });
  return json(201, { serialNumber, base32Secret });
}

function statsOf(world: SandboxWorld): SandboxResponse {
  const calls: Record<string, number> = {};
  for (const [name, count] of [...world.calls.entries()].sort(([a], [b]) => a.localeCompare(b)))
    calls[name] = count;
  return json(200, { calls });
}

function route(request: SandboxRequest, context: SandboxContext): SandboxResponse {
  const { world } = context;
  const segments = request.path.split('/').filter(Boolean).slice(1); // drop "_sandbox"
  const [first, accountId, usersSegment, userName, mfaSegment] = segments;
  const method = request.method;
  const allow = (allowed: string[]) => {
    if (!allowed.includes(method)) {
      throw new AdminError(
        405,
        'method_not_allowed',
        `${method} is not allowed on ${request.path}; use ${allowed.join(' or ')}.`,
      );
    }
  };

  if (first === 'accounts' && segments.length === 1) {
    allow(['GET', 'POST']);
    if (method === 'POST') return createAccount(world, request);
    const items = [...world.accounts.values()].map((account) => ({
      accountId: account.id,
      ...(account.name ? { name: account.name } : {}),
      users: [...account.users.keys()],
      roles: [...account.roles.keys()],
    }));
    return json(200, { items });
  }
  if (first === 'accounts' && accountId && usersSegment === 'users' && segments.length === 3) {
    allow(['POST']);
    return createUser(world, accountId, request);
  }
  if (
    first === 'accounts' &&
    accountId &&
    usersSegment === 'users' &&
    userName &&
    mfaSegment === 'mfa' &&
    segments.length === 5
  ) {
    allow(['POST']);
    return createMfaDevice(world, accountId, userName);
  }
  if (first === 'settings' && segments.length === 1) {
    allow(['GET', 'PUT']);
    if (method === 'PUT') Object.assign(world.settings, parseBody(request, settingsBody));
    return json(200, world.settings);
  }
  if (first === 'reset' && segments.length === 1) {
    allow(['POST']);
    world.reset();
    return { status: 204 };
  }
  if (first === 'stats' && segments.length === 1) {
    allow(['GET', 'DELETE']);
    if (method === 'DELETE') {
      world.calls.clear();
      return { status: 204 };
    }
    return statsOf(world);
  }
  throw new AdminError(404, 'not_found', `No sandbox admin endpoint at ${method} ${request.path}.`);
}

/** Serves /_sandbox/... (except the console pages, which have their own handler). */
export async function handleAdmin(
  request: SandboxRequest,
  context: SandboxContext,
): Promise<SandboxResponse> {
  try {
    return route(request, context);
  } catch (error) {
    if (error instanceof AdminError)
      return json(error.status, { error: { code: error.code, message: error.message } });
    throw error;
  }
}
