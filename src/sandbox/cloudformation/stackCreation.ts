/**
 * CreateStack, shared by the CloudFormation API and the console page: validates the request, reads
 * and parses the template, checks parameters and capabilities, then creates the resources in
 * dependency order. Creation completes synchronously: the stack is CREATE_COMPLETE when this returns,
 * or ROLLBACK_COMPLETE (default) / CREATE_FAILED / DELETE_COMPLETE per OnFailure when a resource fails.
 */
import { randomUUID } from 'node:crypto';
import type { Stack } from '../model.js';
import { AwsError, type SandboxContext } from '../protocol.js';
import { assertCapabilities } from './capabilities.js';
import {
  type CreatedResource,
  type IntrinsicScope,
  referencedNames,
  resolveIntrinsics,
} from './intrinsics.js';
import { provisionResource, ResourceFailure } from './resourceProvisioners.js';
import { accountOf, findStack, recordUndo, undoResources } from './stackRegistry.js';
import { resolveParameters } from './templateParameters.js';
import { parseTemplate, type Template } from './templateParser.js';
import { MAX_TEMPLATE_BODY_BYTES, readTemplateUrl } from './templateSource.js';

export type OnFailure = 'ROLLBACK' | 'DO_NOTHING' | 'DELETE';

export interface CreateStackInput {
  accountId: string;
  region: string;
  stackName: string;
  templateURL?: string;
  templateBody?: string;
  /** Template parameter values by name. */
  parameters?: Record<string, string>;
  capabilities?: string[];
  /** What a failed creation leaves: ROLLBACK (default) removes what was created. */
  onFailure?: OnFailure;
}

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]*$/;

function validation(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

export function assertValidStackName(stackName: string): void {
  if (stackName.length > 128) {
    throw validation(
      `1 validation error detected: Value '${stackName}' at 'stackName' failed to satisfy constraint: ` +
        'Member must have length less than or equal to 128',
    );
  }
  if (!STACK_NAME.test(stackName)) {
    throw validation(
      `1 validation error detected: Value '${stackName}' at 'stackName' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*',
    );
  }
}

/** The template text of a CreateStack request (exactly one of TemplateURL or TemplateBody). */
export function templateTextOf(
  context: SandboxContext,
  input: { templateURL?: string; templateBody?: string },
  readerAccountId: string | undefined,
): string {
  const hasUrl = input.templateURL !== undefined && input.templateURL !== '';
  const hasBody = input.templateBody !== undefined && input.templateBody !== '';
  if (hasUrl === hasBody) {
    throw validation(
      hasUrl
        ? 'Specify exactly one of TemplateBody or TemplateURL.'
        : 'Either Template URL or Template Body must be specified.',
    );
  }
  if (hasBody) {
    if (Buffer.byteLength(input.templateBody!, 'utf8') > MAX_TEMPLATE_BODY_BYTES) {
      throw validation(
        `1 validation error detected: Value at 'templateBody' failed to satisfy constraint: ` +
          `Member must have length less than or equal to ${MAX_TEMPLATE_BODY_BYTES}`,
      );
    }
    return input.templateBody!;
  }
  return readTemplateUrl(context.world, context.baseUrl, input.templateURL!, readerAccountId);
}

/** Creates a stack in an account and region; throws AwsError for requests AWS refuses outright. */
export function createStackInAccount(context: SandboxContext, input: CreateStackInput): Stack {
  assertValidStackName(input.stackName);
  const account = accountOf(context.world, input.accountId);
  const templateBody = templateTextOf(context, input, input.accountId);
  const template = parseTemplate(templateBody);
  const order = creationOrder(template);
  const parameters = resolveParameters(template, input.parameters ?? {});
  const capabilities = input.capabilities ?? [];
  assertCapabilities(template, capabilities);
  if (findStack(account, input.region, input.stackName)) {
    throw new AwsError('AlreadyExistsException', `Stack [${input.stackName}] already exists`, 400);
  }

  const stack: Stack = {
    stackId: `arn:aws:cloudformation:${input.region}:${input.accountId}:stack/${input.stackName}/${randomUUID()}`,
    stackName: input.stackName,
    accountId: input.accountId,
    region: input.region,
    status: 'CREATE_COMPLETE',
    createdAt: context.now(),
    templateBody,
    parameters: parameters.asText,
    outputs: [],
    resources: [],
    capabilities,
  };
  account.stacks.set(stack.stackId, stack);

  const scope: IntrinsicScope = {
    values: new Map([...pseudoParameters(stack), ...parameters.values]),
    resources: new Map<string, CreatedResource>(),
    mappings: template.mappings,
  };
  const failure = createResources(context, stack, template, order, scope);
  if (failure) {
    settleFailure(stack, failure, input.onFailure ?? 'ROLLBACK');
    return stack;
  }
  try {
    stack.outputs = Object.entries(template.outputs).map(([key, output]) => ({
      key,
      value: outputText(resolveIntrinsics(output.Value, scope)),
      description: output.Description,
    }));
  } catch (error) {
    settleFailure(stack, { logicalId: 'Outputs', message: messageOf(error) }, input.onFailure ?? 'ROLLBACK');
  }
  return stack;
}

function pseudoParameters(stack: Stack): [string, string | string[]][] {
  return [
    ['AWS::AccountId', stack.accountId],
    ['AWS::Region', stack.region],
    ['AWS::Partition', 'aws'],
    ['AWS::StackName', stack.stackName],
    ['AWS::StackId', stack.stackId],
    ['AWS::URLSuffix', 'amazonaws.com'],
    ['AWS::NotificationARNs', []],
  ];
}

/** Resources ordered so each comes after what it refers to; unknown references and cycles are refused. */
export function creationOrder(template: Template): string[] {
  const names = Object.keys(template.resources);
  const dependencies = new Map<string, Set<string>>();
  for (const [logicalId, resource] of Object.entries(template.resources)) {
    const referenced = referencedNames(resource.Properties ?? {});
    for (const dependsOn of [resource.DependsOn ?? []].flat()) referenced.add(String(dependsOn));
    for (const name of referenced) {
      if (!(name in template.resources) && !(name in template.parameters)) {
        throw validation(
          `Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`,
        );
      }
    }
    if (resource.Condition !== undefined) {
      throw validation(
        `Template error: resource ${logicalId} uses a Condition, which the Skybridge sandbox does not support.`,
      );
    }
    dependencies.set(logicalId, new Set([...referenced].filter((name) => name in template.resources)));
  }
  for (const [name, output] of Object.entries(template.outputs)) {
    for (const referenced of referencedNames(output.Value)) {
      if (!(referenced in template.resources) && !(referenced in template.parameters)) {
        throw validation(
          `Template format error: Unresolved resource dependencies [${referenced}] in the Outputs block of the template (${name})`,
        );
      }
    }
  }
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < names.length) {
    const ready = names.filter(
      (name) => !placed.has(name) && [...dependencies.get(name)!].every((dep) => placed.has(dep)),
    );
    if (ready.length === 0) {
      const cycle = names.filter((name) => !placed.has(name));
      throw validation(`Circular dependency between resources: [${cycle.join(', ')}]`);
    }
    for (const name of ready) {
      order.push(name);
      placed.add(name);
    }
  }
  return order;
}

interface CreationFailure {
  logicalId: string;
  message: string;
}

function createResources(
  context: SandboxContext,
  stack: Stack,
  template: Template,
  order: string[],
  scope: IntrinsicScope,
): CreationFailure | undefined {
  const target = {
    world: context.world,
    accountId: stack.accountId,
    stackName: stack.stackName,
    stackId: stack.stackId,
    now: context.now(),
  };
  for (const logicalId of order) {
    const resource = template.resources[logicalId]!;
    try {
      const properties = resolveIntrinsics(resource.Properties ?? {}, scope) as Record<string, unknown>;
      const created = provisionResource(target, logicalId, resource.Type, properties);
      recordUndo(stack, logicalId, created.undo);
      scope.resources.set(logicalId, created);
      stack.resources.push({ logicalId, type: resource.Type, physicalId: created.physicalId });
    } catch (error) {
      return { logicalId, message: messageOf(error) };
    }
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof ResourceFailure || error instanceof AwsError) return error.message;
  throw error;
}

function settleFailure(stack: Stack, failure: CreationFailure, onFailure: OnFailure): void {
  const cause = `${failure.logicalId}: ${failure.message.replace(/\.$/, '')}`;
  if (onFailure === 'DO_NOTHING') {
    stack.status = 'CREATE_FAILED';
    stack.statusReason = `The following resource(s) failed to create: [${failure.logicalId}]. ${cause}.`;
    return;
  }
  undoResources(stack);
  stack.outputs = [];
  if (onFailure === 'DELETE') {
    stack.status = 'DELETE_COMPLETE';
    stack.statusReason = `The following resource(s) failed to create: [${failure.logicalId}]. ${cause}. Delete requested by user.`;
    return;
  }
  stack.status = 'ROLLBACK_COMPLETE';
  stack.statusReason = `The following resource(s) failed to create: [${failure.logicalId}]. ${cause}. Rollback requested by user.`;
}

function outputText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
