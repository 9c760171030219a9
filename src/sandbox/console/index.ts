/**
 * The sandbox's stand-in for the AWS console's CloudFormation quick-create page, so a tenant's
 * onboarding link can be followed end to end (by a person or a headless browser):
 *   GET  /_sandbox/console/cloudformation?templateURL=..&stackName=..&region=..[&param_<Name>=..]
 *   POST /_sandbox/console/cloudformation/stacks  (form: accountId, templateURL, stackName, region,
 *        acknowledgeIam, param_<Name>); `Accept: application/json` answers JSON instead of HTML.
 */
import {
  createStackInAccount,
  parseTemplate,
  readTemplateUrl,
  type Template,
} from '../cloudformation/index.js';
import { DEFAULT_REGION, type Stack } from '../model.js';
import {
  AwsError,
  type SandboxContext,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceHandler,
} from '../protocol.js';
import { escapeHtml, HTML_CONTENT_TYPE, renderPage } from './pageLayout.js';
import { type QuickCreateView, renderQuickCreatePage, STACKS_PATH } from './quickCreatePage.js';
import { renderStackResultPage } from './stackResultPage.js';

export const QUICK_CREATE_PATH = '/_sandbox/console/cloudformation';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const CONSOLE_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];

export const handleConsole: ServiceHandler = async (request, context) => {
  const path = request.path.replace(/\/+$/, '');
  try {
    if (path === QUICK_CREATE_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
      return quickCreate(request, context);
    }
    if (path === STACKS_PATH && request.method === 'POST') return createStack(request, context);
    return html(
      404,
      renderPage(
        'Not found',
        `<h1>Not found</h1><p>The sandbox console has no page at ${escapeHtml(request.path)}. Try <a href="${QUICK_CREATE_PATH}">${QUICK_CREATE_PATH}</a>?templateURL=...</p>`,
      ),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return html(500, renderPage('Error', `<h1>Error</h1><div class="error">${escapeHtml(message)}</div>`));
  }
};

function html(status: number, body: string): SandboxResponse {
  return { status, headers: { 'content-type': HTML_CONTENT_TYPE, 'cache-control': 'no-store' }, body };
}

function json(status: number, value: unknown): SandboxResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function wantsJson(request: SandboxRequest): boolean {
  return (request.headers.accept ?? '').includes('application/json');
}

function parameterValuesOf(fields: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (name.startsWith('param_') && name.length > 'param_'.length)
      values[name.slice('param_'.length)] = value;
  }
  return values;
}

/** What an anonymous reader (a browser on AWS's console) sees of the template. */
function previewTemplate(
  context: SandboxContext,
  templateURL: string,
): Pick<QuickCreateView, 'templateText' | 'template' | 'templateError'> {
  if (!templateURL) return { templateError: 'No templateURL was given in the link.' };
  let templateText: string;
  try {
    templateText = readTemplateUrl(context.world, context.baseUrl, templateURL, undefined);
  } catch (error) {
    return { templateError: error instanceof Error ? error.message : String(error) };
  }
  let template: Template | undefined;
  try {
    template = parseTemplate(templateText);
  } catch (error) {
    return { templateText, templateError: error instanceof Error ? error.message : String(error) };
  }
  return { templateText, template };
}

function viewOf(context: SandboxContext, fields: URLSearchParams): QuickCreateView {
  const templateURL = fields.get('templateURL') ?? '';
  return {
    templateURL,
    stackName: fields.get('stackName') ?? '',
    region: fields.get('region') || DEFAULT_REGION,
    accounts: [...context.world.accounts.values()]
      .map((account) => ({ id: account.id, ...(account.name ? { name: account.name } : {}) }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    selectedAccountId: fields.get('accountId') ?? undefined,
    parameterValues: parameterValuesOf(fields),
    acknowledged: isTicked(fields.get('acknowledgeIam')),
    ...previewTemplate(context, templateURL),
  };
}

function isTicked(value: string | null): boolean {
  return value !== null && ['on', 'true', '1', 'yes'].includes(value.toLowerCase());
}

function quickCreate(request: SandboxRequest, context: SandboxContext): SandboxResponse {
  return html(200, renderQuickCreatePage(viewOf(context, request.query)));
}

function formFieldsOf(request: SandboxRequest): URLSearchParams {
  const text = request.body.toString('utf8');
  if ((request.headers['content-type'] ?? '').includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AwsError('ValidationError', 'The request body is not valid JSON.', 400);
    }
    const fields = new URLSearchParams();
    for (const [name, value] of Object.entries((parsed ?? {}) as Record<string, unknown>)) {
      if (value !== undefined && value !== null) fields.set(name, String(value));
    }
    return fields;
  }
  return new URLSearchParams(text);
}

function createStack(request: SandboxRequest, context: SandboxContext): SandboxResponse {
  let fields = new URLSearchParams();
  try {
    fields = formFieldsOf(request);
    const stack = createStackInAccount(context, checkedInput(context, fields));
    return stackAnswer(request, stack);
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    const status = error.code === 'AlreadyExistsException' ? 409 : error.status >= 500 ? 500 : 400;
    if (wantsJson(request)) return json(status, { error: { code: error.code, message: error.message } });
    return html(
      status,
      renderQuickCreatePage({
        ...viewOf(context, fields),
        error: { code: error.code, message: error.message },
      }),
    );
  }
}

function checkedInput(context: SandboxContext, fields: URLSearchParams) {
  const accountId = fields.get('accountId') ?? '';
  if (!context.world.accounts.has(accountId)) {
    throw new AwsError(
      'ValidationError',
      accountId
        ? `Account ${accountId} does not exist in the sandbox.`
        : 'Choose the account to create the stack in (accountId).',
      400,
    );
  }
  const region = fields.get('region') || DEFAULT_REGION;
  if (!REGION.test(region))
    throw new AwsError('ValidationError', `'${region}' is not a region name such as us-east-1.`, 400);
  const parameters: Record<string, string> = {};
  // An empty field means "not given": the template's default applies, or AWS's "must have values".
  for (const [name, value] of Object.entries(parameterValuesOf(fields)))
    if (value !== '') parameters[name] = value;
  return {
    accountId,
    region,
    stackName: fields.get('stackName') ?? '',
    templateURL: fields.get('templateURL') ?? '',
    parameters,
    // The acknowledgement is the console's way of granting both IAM capabilities.
    capabilities: isTicked(fields.get('acknowledgeIam')) ? CONSOLE_CAPABILITIES : [],
  };
}

/** 201 when the stack is complete; a stack that failed and rolled back answers 400 with its reason. */
function stackAnswer(request: SandboxRequest, stack: Stack): SandboxResponse {
  const status = stack.status === 'CREATE_COMPLETE' ? 201 : 400;
  if (wantsJson(request)) {
    return json(status, {
      stackId: stack.stackId,
      stackName: stack.stackName,
      accountId: stack.accountId,
      region: stack.region,
      status: stack.status,
      ...(stack.statusReason ? { statusReason: stack.statusReason } : {}),
      outputs: stack.outputs.map((output) => ({
        key: output.key,
        value: output.value,
        description: output.description,
      })),
    });
  }
  return html(status, renderStackResultPage(stack));
}
