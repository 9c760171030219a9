/**
 * The sandbox's CloudFormation over the awsQuery protocol the installed SDK speaks
 * (`Action=CreateStack&Version=2010-05-15&...`, XML answers in the 2010-05-15 namespace):
 * CreateStack, DescribeStacks, DeleteStack, ListStacks, DescribeStackResources, GetTemplate and
 * ValidateTemplate. Stacks belong to the caller's account and the signed region.
 */
import { callerIdentityDecision } from '../identityPolicy.js';
import { DEFAULT_REGION } from '../model.js';
import { AwsError, type SandboxRequest, type ServiceHandler } from '../protocol.js';
import { readQueryParams, renderQueryResult } from '../queryProtocol.js';
import { iamResourceIds, requiredCapability } from './capabilities.js';
import { createStackInAccount, type OnFailure, templateTextOf } from './stackCreation.js';
import { accountOf, deleteStack, findStack, isLive, stacksInRegion } from './stackRegistry.js';
import { queryElement, queryMembers, stackResourcesXml, stackSummaryXml, stackXml } from './stackXml.js';
import { parseTemplate } from './templateParser.js';

export { requiredCapability } from './capabilities.js';
export { type CreateStackInput, createStackInAccount, type OnFailure } from './stackCreation.js';
export { deleteStack, findStack } from './stackRegistry.js';
export { parseTemplate, type Template } from './templateParser.js';
export { INACCESSIBLE_TEMPLATE_MESSAGE, locateTemplateUrl, readTemplateUrl } from './templateSource.js';

/** `Name.member.1`, `Name.member.2`, ... in order. */
function memberList(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let index = 1; params.has(`${name}.member.${index}`); index++) {
    values.push(params.get(`${name}.member.${index}`)!);
  }
  return values;
}

function parametersOf(params: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (let index = 1; params.has(`Parameters.member.${index}.ParameterKey`); index++) {
    const key = params.get(`Parameters.member.${index}.ParameterKey`)!;
    values[key] = params.get(`Parameters.member.${index}.ParameterValue`) ?? '';
  }
  return values;
}

function onFailureOf(params: URLSearchParams): OnFailure | undefined {
  const onFailure = params.get('OnFailure');
  if (params.get('DisableRollback') === 'true') {
    if (onFailure)
      throw new AwsError(
        'ValidationError',
        'You can specify either DisableRollback or OnFailure, but not both.',
        400,
      );
    return 'DO_NOTHING';
  }
  if (onFailure === null) return undefined;
  if (onFailure !== 'ROLLBACK' && onFailure !== 'DO_NOTHING' && onFailure !== 'DELETE') {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${onFailure}' at 'onFailure' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]',
      400,
    );
  }
  return onFailure;
}

/** Role sessions act within their role's policies; users are administrators of their account. */
function authorize(
  request: SandboxRequest,
  context: Parameters<ServiceHandler>[1],
  action: string,
  region: string,
): string {
  const caller = request.caller;
  if (!caller)
    throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const resource = `arn:aws:cloudformation:${region}:${caller.accountId}:stack/*`;
  if (callerIdentityDecision(context.world, caller, `cloudformation:${action}`, resource) !== 'allow') {
    throw new AwsError(
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: cloudformation:${action} on resource: ${resource}`,
      403,
    );
  }
  return caller.accountId;
}

export const handleCloudFormation: ServiceHandler = async (request, context) => {
  const params = readQueryParams(request);
  const action = params.get('Action') ?? '';
  const region = request.signedRegion ?? DEFAULT_REGION;
  const answer = (result: string | undefined) =>
    renderQueryResult('cloudformation', action, result, request.requestId);
  switch (action) {
    case 'CreateStack': {
      const accountId = authorize(request, context, action, region);
      const stack = createStackInAccount(context, {
        accountId,
        region,
        stackName: params.get('StackName') ?? '',
        templateURL: params.get('TemplateURL') ?? undefined,
        templateBody: params.get('TemplateBody') ?? undefined,
        parameters: parametersOf(params),
        capabilities: memberList(params, 'Capabilities'),
        onFailure: onFailureOf(params),
      });
      return answer(queryElement('StackId', stack.stackId));
    }
    case 'DescribeStacks': {
      const account = accountOf(context.world, authorize(request, context, action, region));
      const name = params.get('StackName');
      let stacks = stacksInRegion(account, region).filter(isLive);
      if (name) {
        const stack = findStack(account, region, name);
        if (!stack) throw new AwsError('ValidationError', `Stack with id ${name} does not exist`, 400);
        stacks = [stack];
      }
      stacks.sort((a, b) => b.createdAt - a.createdAt);
      return answer(`<Stacks>${queryMembers(stacks.map(stackXml))}</Stacks>`);
    }
    case 'DeleteStack': {
      const account = accountOf(context.world, authorize(request, context, action, region));
      // Deleting a stack that does not exist succeeds silently, as in AWS.
      const stack = findStack(account, region, params.get('StackName') ?? '');
      if (stack) deleteStack(stack);
      return answer(undefined);
    }
    case 'ListStacks': {
      const account = accountOf(context.world, authorize(request, context, action, region));
      const filter = memberList(params, 'StackStatusFilter');
      const stacks = stacksInRegion(account, region)
        .filter((stack) => filter.length === 0 || filter.includes(stack.status))
        .sort((a, b) => b.createdAt - a.createdAt);
      return answer(`<StackSummaries>${queryMembers(stacks.map(stackSummaryXml))}</StackSummaries>`);
    }
    case 'DescribeStackResources': {
      const account = accountOf(context.world, authorize(request, context, action, region));
      const name = params.get('StackName') ?? '';
      const stack = findStack(account, region, name);
      if (!stack) throw new AwsError('ValidationError', `Stack with id ${name} does not exist`, 400);
      return answer(`<StackResources>${stackResourcesXml(stack)}</StackResources>`);
    }
    case 'GetTemplate': {
      const account = accountOf(context.world, authorize(request, context, action, region));
      const name = params.get('StackName') ?? '';
      const stack = findStack(account, region, name);
      if (!stack) throw new AwsError('ValidationError', `Stack with id ${name} does not exist`, 400);
      return answer(queryElement('TemplateBody', stack.templateBody));
    }
    case 'ValidateTemplate': {
      const accountId = authorize(request, context, action, region);
      const template = parseTemplate(
        templateTextOf(
          context,
          {
            templateURL: params.get('TemplateURL') ?? undefined,
            templateBody: params.get('TemplateBody') ?? undefined,
          },
          accountId,
        ),
      );
      const parameters = Object.entries(template.parameters).map(
        ([key, declaration]) =>
          queryElement('ParameterKey', key) +
          queryElement(
            'DefaultValue',
            declaration.Default === undefined ? undefined : String(declaration.Default),
          ) +
          queryElement('NoEcho', String(declaration.NoEcho ?? false) === 'true') +
          queryElement('Description', declaration.Description),
      );
      const capability = requiredCapability(template);
      return answer(
        `<Parameters>${queryMembers(parameters)}</Parameters>` +
          queryElement('Description', template.description) +
          (capability
            ? `<Capabilities>${queryMembers([capability])}</Capabilities>` +
              queryElement(
                'CapabilitiesReason',
                `The following resource(s) require capabilities: [${iamResourceIds(template).join(', ')}]`,
              )
            : ''),
      );
    }
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2010-05-15`, 400);
  }
};
