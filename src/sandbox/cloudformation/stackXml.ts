/** CloudFormation's Query-protocol XML for stacks, their summaries and resources. */
import type { Stack } from '../model.js';
import { xmlEscape } from '../protocol.js';

function element(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;
}

function members(items: string[]): string {
  return items.map((item) => `<member>${item}</member>`).join('');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function stackXml(stack: Stack): string {
  const parameters = members(
    Object.entries(stack.parameters).map(
      ([key, value]) => element('ParameterKey', key) + element('ParameterValue', value),
    ),
  );
  const outputs = members(
    stack.outputs.map(
      (output) =>
        element('OutputKey', output.key) +
        element('OutputValue', output.value) +
        element('Description', output.description),
    ),
  );
  return (
    element('StackId', stack.stackId) +
    element('StackName', stack.stackName) +
    `<Parameters>${parameters}</Parameters>` +
    element('CreationTime', iso(stack.createdAt)) +
    element('StackStatus', stack.status) +
    element('StackStatusReason', stack.statusReason) +
    element('DisableRollback', false) +
    `<NotificationARNs/>` +
    `<Capabilities>${members(stack.capabilities.map(xmlEscape))}</Capabilities>` +
    `<Outputs>${outputs}</Outputs>` +
    `<Tags/>` +
    element('EnableTerminationProtection', false) +
    `<DriftInformation>${element('StackDriftStatus', 'NOT_CHECKED')}</DriftInformation>`
  );
}

export function stackSummaryXml(stack: Stack): string {
  return (
    element('StackId', stack.stackId) +
    element('StackName', stack.stackName) +
    element('CreationTime', iso(stack.createdAt)) +
    element('StackStatus', stack.status) +
    element('StackStatusReason', stack.statusReason) +
    `<DriftInformation>${element('StackDriftStatus', 'NOT_CHECKED')}</DriftInformation>`
  );
}

export function stackResourcesXml(stack: Stack): string {
  return members(
    stack.resources.map(
      (resource) =>
        element('StackName', stack.stackName) +
        element('StackId', stack.stackId) +
        element('LogicalResourceId', resource.logicalId) +
        element('PhysicalResourceId', resource.physicalId) +
        element('ResourceType', resource.type) +
        element('Timestamp', iso(stack.createdAt)) +
        element('ResourceStatus', 'CREATE_COMPLETE') +
        `<DriftInformation>${element('StackResourceDriftStatus', 'NOT_CHECKED')}</DriftInformation>`,
    ),
  );
}

export { element as queryElement, members as queryMembers };
