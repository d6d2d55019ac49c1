// Starts a render. The server is the one judge of the input: its BAD_USER_INPUT error names
// each field at fault (extensions.fields), and the message is shown at that field.
import { useId, useRef, useState, type FormEvent } from 'react';
import { graphqlRequest, GraphQLRequestError, type FieldError } from './graphqlHttp';
import { createVideoTaskMutation, type DashboardTask } from './taskTypes';

type FieldName = 'title' | 'plot' | 'durationSeconds';
const fieldNames: readonly FieldName[] = ['title', 'plot', 'durationSeconds'];

interface CreateFormProps {
  apiKey: string | null;
  onCreated(task: DashboardTask, title: string): void;
  onUnauthenticated(): void;
}

/** "input.title" or "title" → "title"; a field the form does not have → null. */
function formField(error: FieldError): FieldName | null {
  const last = error.field.split('.').pop() ?? '';
  return fieldNames.find((name) => name === last) ?? null;
}

export function CreateForm({ apiKey, onCreated, onUnauthenticated }: CreateFormProps) {
  const [title, setTitle] = useState('');
  const [plot, setPlot] = useState('');
  const [duration, setDuration] = useState('5');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const baseId = useId();
  const inputs = useRef<Partial<Record<FieldName, HTMLInputElement | HTMLTextAreaElement | null>>>({});

  const showErrors = (errors: Partial<Record<FieldName, string>>, other: string | null) => {
    setFieldErrors(errors);
    setFormError(other);
    const first = fieldNames.find((name) => errors[name]);
    if (first) inputs.current[first]?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const durationSeconds = duration.trim() === '' ? undefined : Number(duration);
    // Only what JSON cannot carry as an Int is checked here; ranges are the server's to judge.
    if (durationSeconds !== undefined && !Number.isInteger(durationSeconds)) {
      showErrors({ durationSeconds: 'must be a whole number of seconds' }, null);
      return;
    }
    setSubmitting(true);
    try {
      const input = { title, plot, ...(durationSeconds === undefined ? {} : { durationSeconds }) };
      const data = await graphqlRequest<{ createVideoTask: DashboardTask }>(createVideoTaskMutation, { input }, apiKey);
      onCreated(data.createVideoTask, title);
      showErrors({}, null);
      setTitle('');
      setPlot('');
    } catch (error) {
      if (error instanceof GraphQLRequestError && error.unauthenticated) return onUnauthenticated();
      const errors: Partial<Record<FieldName, string>> = {};
      const unplaced: string[] = [];
      for (const fieldError of error instanceof GraphQLRequestError ? error.fields : []) {
        const name = formField(fieldError);
        if (name) errors[name] = fieldError.message;
        else unplaced.push(`${fieldError.field} ${fieldError.message}`);
      }
      const placed = Object.keys(errors).length > 0;
      const message = error instanceof Error ? error.message : 'The task could not be created.';
      showErrors(errors, unplaced.length > 0 ? unplaced.join('; ') : placed ? null : message);
    } finally {
      setSubmitting(false);
    }
  };

  const fieldProps = (name: FieldName) => {
    const errorId = `${baseId}-${name}-error`;
    return {
      id: `${baseId}-${name}`,
      name,
      ref: (element: HTMLInputElement | HTMLTextAreaElement | null) => { inputs.current[name] = element; },
      'aria-invalid': fieldErrors[name] ? true : undefined,
      'aria-describedby': fieldErrors[name] ? errorId : `${baseId}-${name}-hint`,
    };
  };
  const errorText = (name: FieldName, hint: string) => (
    fieldErrors[name]
      ? <p id={`${baseId}-${name}-error`} className="field-error">{fieldErrors[name]}</p>
      : <p id={`${baseId}-${name}-hint`} className="hint">{hint}</p>
  );

  return (
    <form className="panel create-form" onSubmit={submit} noValidate aria-labelledby={`${baseId}-heading`}>
      <h2 id={`${baseId}-heading`}>New video</h2>
      <div className="field">
        <label htmlFor={`${baseId}-title`}>Title</label>
        <input type="text" value={title} onChange={(event) => setTitle(event.target.value)} {...fieldProps('title')} />
        {errorText('title', '1 to 200 characters.')}
      </div>
      <div className="field">
        <label htmlFor={`${baseId}-plot`}>Plot</label>
        <textarea rows={3} value={plot} onChange={(event) => setPlot(event.target.value)} {...fieldProps('plot')} />
        {errorText('plot', 'At most 5,000 characters.')}
      </div>
      <div className="field">
        <label htmlFor={`${baseId}-durationSeconds`}>Duration (seconds)</label>
        <input
          type="number"
          inputMode="numeric"
          min={1}
          max={300}
          value={duration}
          onChange={(event) => setDuration(event.target.value)}
          {...fieldProps('durationSeconds')}
        />
        {errorText('durationSeconds', '1 to 300.')}
      </div>
      {formError && <p className="form-error" role="alert">{formError}</p>}
      <button type="submit" disabled={submitting}>{submitting ? 'Starting…' : 'Render video'}</button>
    </form>
  );
}
