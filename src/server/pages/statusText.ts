/**
 * What the tenant reads about the session's state and its problems, in plain words with what to do.
 * One place for the wording: the pages render it and the status endpoint sends it to the script.
 */

export type StatusTone = 'idle' | 'working' | 'ok' | 'problem';

export interface StatusText {
  tone: StatusTone;
  title: string;
  detail: string;
}

export interface StatusFacts {
  status: string;
  accountId?: string | undefined;
  region?: string | undefined;
  roleName?: string | undefined;
  stackName?: string | undefined;
  error?: { code: string; message: string } | undefined;
}

function account(facts: StatusFacts): string {
  return facts.accountId ? `account ${facts.accountId}` : 'your AWS account';
}

function region(facts: StatusFacts): string {
  return facts.region ? `the ${facts.region} region` : 'the region you chose';
}

/** Plain words for a problem code, with what the tenant can do about it. */
export function describeProblem(code: string, facts: StatusFacts, fallback?: string): StatusText {
  switch (code) {
    case 'role_not_assumable':
      return {
        tone: 'problem',
        title: 'We could not use the role yet.',
        detail:
          `Check that the stack shows CREATE_COMPLETE in ${account(facts)}, in ${region(facts)}, and that it created ` +
          `the role ${facts.roleName ?? 'named in the template'}. No stack yet? Use the button above, then Check now.`,
      };
    case 'external_id_not_enforced':
      return {
        tone: 'problem',
        title: 'The role does not require the external ID, so we did not connect it.',
        detail:
          'Without that check, others could get the app to use your role. Nothing was connected. To fix it: ' +
          `Delete the stack ${facts.stackName ?? 'you created'} in ${account(facts)}, in ${region(facts)}, ` +
          'then return to the app for a new link and create the stack from that template without editing it.',
      };
    case 'account_mismatch':
      return {
        tone: 'problem',
        title: `The role we reached is not in ${account(facts)}.`,
        detail:
          'The stack was created in another account. Ask the app for a new link and enter the id of the account ' +
          'you sign in to (shown in the AWS console’s account menu).',
      };
    case 'session_expired':
      return {
        tone: 'problem',
        title: 'This link has expired.',
        detail:
          'Links to connect an AWS account are valid for a limited time. Go back to the app and start again to get a new link. ' +
          'A stack you already created can stay: the new link finds it.',
      };
    case 'session_cancelled':
    case 'cancelled':
      return {
        tone: 'problem',
        title: 'This connection was cancelled.',
        detail:
          'Nothing was connected. Go back to the app and start again if you want to connect your AWS account: a stack ' +
          'you already created can stay, the new link finds it. To remove it instead, delete the stack in AWS CloudFormation.',
      };
    case 'session_not_found':
      return {
        tone: 'problem',
        title: 'We do not know this link.',
        detail:
          'Check that you copied the whole link, or go back to the app and start again to get a new one.',
      };
    case 'csrf_failed':
      return {
        tone: 'problem',
        title: 'We could not accept this form.',
        detail:
          'It did not come from this page, or the page is out of date. Reload the page and try again; nothing was changed.',
      };
    default:
      return {
        tone: 'problem',
        title: 'Something went wrong.',
        detail:
          fallback ?? 'Try again in a moment. If it keeps happening, go back to the app and start again.',
      };
  }
}

/** The status line for a session, as shown in the page's live region. */
export function describeStatus(facts: StatusFacts): StatusText {
  switch (facts.status) {
    case 'pending':
      return {
        tone: 'idle',
        title: 'Waiting for your account id.',
        detail: 'Enter it on the previous page.',
      };
    case 'awaiting_stack':
      if (facts.error) return describeProblem(facts.error.code, facts, facts.error.message);
      return {
        tone: 'idle',
        title: 'Waiting for your stack.',
        detail: 'When the stack shows CREATE_COMPLETE, come back to this page: it checks automatically.',
      };
    case 'verifying':
      return {
        tone: 'working',
        title: 'Checking the role in your account…',
        detail: 'New roles can take a minute to be usable everywhere in AWS. Keep this page open.',
      };
    case 'completed':
      return {
        tone: 'ok',
        title: 'Your AWS account is connected.',
        detail: 'Taking you back to the app…',
      };
    case 'failed':
      return describeProblem(facts.error?.code ?? 'failed', facts, facts.error?.message);
    case 'cancelled':
      return describeProblem('session_cancelled', facts);
    case 'expired':
      return describeProblem('session_expired', facts);
    default:
      return { tone: 'idle', title: 'Waiting.', detail: '' };
  }
}
