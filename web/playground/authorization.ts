// The Authorization header as the headers editor holds it, followed with a little delay: a new
// key means another caller, so the playground starts a new fetcher for it (see main.tsx).
import { useEffect, useState } from 'react';

/** How long the headers must stay unchanged before a new key counts (no introspection per keystroke). */
const settleMs = 400;

/**
 * The Authorization value in the headers editor's text (any capitalisation), '' when there is
 * none, or null when the text is not JSON yet (half typed, or with comments): nothing changed.
 */
export function authorizationIn(headersText: string): string | null {
  if (headersText.trim() === '') return '';
  let headers: unknown;
  try {
    headers = JSON.parse(headersText);
  } catch {
    return null;
  }
  if (typeof headers !== 'object' || headers === null) return null;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return '';
}

/** The Authorization header once the user stopped typing, and a function to report each edit. */
export function useSettledAuthorization(): [string, (headersText: string) => void] {
  const [edited, setEdited] = useState('');
  const [settled, setSettled] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setSettled(edited), settleMs);
    return () => clearTimeout(timer);
  }, [edited]);
  const onEditHeaders = (headersText: string): void => {
    const authorization = authorizationIn(headersText);
    if (authorization !== null) setEdited(authorization);
  };
  return [settled, onEditHeaders];
}
