// The input rules for creating a video, in one place for GraphQL and REST alike.
import { ValidationError, type FieldError } from '../errors.js';

export interface CreateVideoInput {
  title: string;
  plot: string;
  durationSeconds: number;
}

export const inputLimits = {
  titleMaxChars: 200,
  plotMaxChars: 5000,
  durationMinSeconds: 1,
  durationMaxSeconds: 300,
  durationDefaultSeconds: 10,
} as const;

const knownFields = new Set(['title', 'plot', 'durationSeconds']);

/** Length in characters (code points), the way a person counts them. */
function charLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Nothing a reader would see: white space of any script, format characters (zero-width space
 * and joiners, bidi marks) and other default-ignorable code points (Hangul fillers, variation
 * selectors).
 */
function isBlank(text: string): boolean {
  return /^[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}]*$/u.test(text);
}

function checkText(fields: FieldError[], name: string, value: unknown, min: number, max: number): value is string {
  if (value === undefined || value === null) {
    fields.push({ field: name, message: 'is required' });
    return false;
  }
  if (typeof value !== 'string') {
    fields.push({ field: name, message: 'must be a string' });
    return false;
  }
  // PostgreSQL text cannot hold NUL; refusing it here keeps it from ever becoming a 500.
  if (value.includes('\u0000')) {
    fields.push({ field: name, message: 'must not contain NUL characters' });
    return false;
  }
  // JSON and GraphQL strings can carry half a UTF-16 pair ("\ud800"), which no UTF-8 column can store.
  if (/\p{Cs}/u.test(value)) {
    fields.push({ field: name, message: 'must be valid Unicode text (it contains an unpaired surrogate)' });
    return false;
  }
  const length = charLength(value);
  if (min > 0 && isBlank(value)) fields.push({ field: name, message: 'must not be blank' });
  else if (length < min || length > max) fields.push({ field: name, message: `must be ${min} to ${max} characters long (got ${length})` });
  return true;
}

/**
 * Checks a create-video request (the parsed REST body or the GraphQL input object) and
 * returns it with defaults applied, or throws a ValidationError naming every field at fault.
 */
export function parseCreateVideoInput(raw: unknown): CreateVideoInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError([{ field: 'body', message: 'must be a JSON object with title and plot' }]);
  }
  const input = raw as Record<string, unknown>;
  const fields: FieldError[] = [];
  for (const key of Object.keys(input)) {
    if (!knownFields.has(key)) fields.push({ field: key, message: 'is not a known field (expected title, plot, durationSeconds)' });
  }
  checkText(fields, 'title', input.title, 1, inputLimits.titleMaxChars);
  checkText(fields, 'plot', input.plot, 0, inputLimits.plotMaxChars);
  let durationSeconds: number = inputLimits.durationDefaultSeconds;
  const duration = input.durationSeconds;
  if (duration !== undefined && duration !== null) {
    const { durationMinSeconds: min, durationMaxSeconds: max } = inputLimits;
    if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < min || duration > max) {
      fields.push({ field: 'durationSeconds', message: `must be an integer from ${min} to ${max}` });
    } else {
      durationSeconds = duration;
    }
  }
  if (fields.length > 0) throw new ValidationError(fields);
  return { title: input.title as string, plot: input.plot as string, durationSeconds };
}
