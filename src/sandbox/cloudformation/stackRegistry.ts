/**
 * Where stacks live: in their account's `stacks` map, found by name (live stacks only, in one
 * region) or by stack id (deleted ones too, as AWS keeps them visible by id).
 */
import type { Account, SandboxWorld, Stack } from '../model.js';
import { AwsError } from '../protocol.js';

/** Undo actions of each stack's resources, newest last; run backwards by rollback and DeleteStack. */
const resourceUndos = new WeakMap<Stack, { logicalId: string; undo(): void }[]>();

export function recordUndo(stack: Stack, logicalId: string, undo: () => void): void {
  const list = resourceUndos.get(stack) ?? [];
  list.push({ logicalId, undo });
  resourceUndos.set(stack, list);
}

/** Removes every resource the stack created, newest first. */
export function undoResources(stack: Stack): void {
  const list = resourceUndos.get(stack) ?? [];
  for (const entry of [...list].reverse()) entry.undo();
  resourceUndos.delete(stack);
  stack.resources = [];
}

export function accountOf(world: SandboxWorld, accountId: string): Account {
  const account = world.accounts.get(accountId);
  if (!account)
    throw new AwsError('ValidationError', `Account ${accountId} does not exist in the sandbox.`, 400);
  return account;
}

export function isLive(stack: Stack): boolean {
  return stack.status !== 'DELETE_COMPLETE';
}

/** A stack by name (live ones) or by stack id (any), in the account and region. */
export function findStack(account: Account, region: string, nameOrId: string): Stack | undefined {
  if (nameOrId.startsWith('arn:')) {
    const stack = account.stacks.get(nameOrId);
    return stack && stack.region === region ? stack : undefined;
  }
  for (const stack of account.stacks.values()) {
    if (stack.region === region && stack.stackName === nameOrId && isLive(stack)) return stack;
  }
  return undefined;
}

export function stacksInRegion(account: Account, region: string): Stack[] {
  return [...account.stacks.values()].filter((stack) => stack.region === region);
}

export function deleteStack(stack: Stack): void {
  if (!isLive(stack)) return;
  undoResources(stack);
  stack.status = 'DELETE_COMPLETE';
  stack.statusReason = undefined;
}
