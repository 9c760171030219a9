/**
 * Which capability a template needs: IAM resources need CAPABILITY_IAM, and CAPABILITY_NAMED_IAM
 * when any of them has a custom name. Without it CreateStack answers InsufficientCapabilitiesException (the SDK's error name too).
 */
import { AwsError } from '../protocol.js';
import type { Template } from './templateParser.js';

export const KNOWN_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'];

/** IAM resource types, each with the property that gives it a custom name (if it has one). */
const IAM_TYPES: Record<string, string | undefined> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::User': 'UserName',
  'AWS::IAM::Group': 'GroupName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::Policy': undefined,
  'AWS::IAM::AccessKey': undefined,
  'AWS::IAM::UserToGroupAddition': undefined,
};

export function requiredCapability(
  template: Template,
): 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | undefined {
  let required: 'CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM' | undefined;
  for (const resource of Object.values(template.resources)) {
    if (!(resource.Type in IAM_TYPES)) continue;
    const nameProperty = IAM_TYPES[resource.Type];
    if (nameProperty && resource.Properties?.[nameProperty] !== undefined) return 'CAPABILITY_NAMED_IAM';
    required = 'CAPABILITY_IAM';
  }
  return required;
}

/** Logical ids of the IAM resources in a template (ValidateTemplate's CapabilitiesReason names them). */
export function iamResourceIds(template: Template): string[] {
  return Object.entries(template.resources)
    .filter(([, resource]) => resource.Type in IAM_TYPES)
    .map(([logicalId]) => logicalId);
}

export function assertCapabilities(template: Template, granted: string[]): void {
  const invalid = granted.filter((capability) => !KNOWN_CAPABILITIES.includes(capability));
  if (invalid.length > 0) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '[${invalid.join(', ')}]' at 'capabilities' failed to satisfy constraint: ` +
        `Member must satisfy constraint: [Member must satisfy enum value set: [${KNOWN_CAPABILITIES.join(', ')}]]`,
      400,
    );
  }
  const required = requiredCapability(template);
  if (!required || granted.includes('CAPABILITY_NAMED_IAM')) return;
  if (required === 'CAPABILITY_IAM' && granted.includes('CAPABILITY_IAM')) return;
  throw new AwsError('InsufficientCapabilitiesException', `Requires capabilities : [${required}]`, 400);
}
