import { z } from 'zod';
import { isSkybridgeError } from '../../core/index.js';

/**
 * The page forms as posted (urlencoded). Values are strings; a field sent twice arrives as a list
 * and is refused. The account id keeps its leading zeros: it is never turned into a number.
 */
export const accountFormSchema = z.object({
  accountId: z
    .string({ error: 'must be given once, as text' })
    // The AWS console shows ids as 0123-4567-8901; people paste that, or with stray spaces.
    .transform((value) => value.replace(/[\s-]/g, ''))
    .default(''),
  region: z
    .string({ error: 'must be given once, as text' })
    .trim()
    .optional()
    .transform((value) => (value ? value : undefined)),
});

export type AccountForm = z.output<typeof accountFormSchema>;

const LABELS: Record<string, string> = {
  accountId: 'The AWS account id',
  region: 'The region',
};

export interface FieldProblem {
  field?: string | undefined;
  message: string;
}

/**
 * A refusal in words for the form: the field it concerns and a sentence naming it. Answers undefined
 * for errors that are not about the tenant's input.
 */
export function fieldProblem(error: unknown): FieldProblem | undefined {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const field = issue?.path[0] === undefined ? undefined : String(issue.path[0]);
    const label = (field && LABELS[field]) ?? 'A value';
    return { field, message: `${label} ${issue?.message ?? 'is not valid'}.` };
  }
  if (isSkybridgeError(error) && error.status === 400) {
    const field = error.field;
    // Engine messages start with "field: "; on a page the field is already named by its label.
    const message = field ? error.message.replace(new RegExp(`^${field}:\\s*`), '') : error.message;
    const label = field ? LABELS[field] : undefined;
    return { field, message: label ? `${label}: ${message}` : message };
  }
  return undefined;
}

/** The first value of a form field or header, or undefined. */
export function singleValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return undefined;
}
