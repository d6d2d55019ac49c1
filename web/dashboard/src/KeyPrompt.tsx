// Asks once for the caller's API key (or JWT), when the server requires one.
import { useId, useState, type FormEvent } from 'react';

interface KeyPromptProps {
  message: string | null;
  onSubmit(apiKey: string): Promise<void>;
}

export function KeyPrompt({ message, onSubmit }: KeyPromptProps) {
  const [apiKey, setApiKey] = useState('');
  const [checking, setChecking] = useState(false);
  const inputId = useId();
  const messageId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!apiKey.trim()) return;
    setChecking(true);
    await onSubmit(apiKey.trim());
    setChecking(false);
  };

  return (
    <form className="panel key-prompt" onSubmit={submit} aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`}>Sign in</h2>
      <p>This server requires a key. It is kept in this tab only (sessionStorage).</p>
      <label htmlFor={inputId}>API key</label>
      <input
        id={inputId}
        type="password"
        autoComplete="off"
        value={apiKey}
        onChange={(event) => setApiKey(event.target.value)}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? messageId : undefined}
        autoFocus
      />
      {message && <p id={messageId} className="field-error" role="alert">{message}</p>}
      <button type="submit" disabled={checking}>{checking ? 'Checking…' : 'Use this key'}</button>
    </form>
  );
}
