// Decides whether the dashboard needs the caller's key: the server answers UNAUTHENTICATED
// only when authentication is on, so with it off no prompt is ever shown.
import { useCallback, useEffect, useState } from 'react';
import { forgetApiKey, saveApiKey, savedApiKey } from './apiKey';
import { Dashboard } from './Dashboard';
import { graphqlRequest, GraphQLRequestError } from './graphqlHttp';
import { KeyPrompt } from './KeyPrompt';

type Gate =
  | { phase: 'checking' }
  | { phase: 'needKey'; message: string | null }
  | { phase: 'ready'; apiKey: string | null };

/** Credentials are checked before any operation runs, so the cheapest query proves a key. */
const probeQuery = 'query DashboardProbe { __typename }';

async function keyIsAccepted(apiKey: string | null): Promise<boolean> {
  try {
    await graphqlRequest(probeQuery, {}, apiKey);
    return true;
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.unauthenticated) return false;
    // Anything else (server down) is not the key's fault: the dashboard shows its own errors.
    return true;
  }
}

export function App() {
  const [gate, setGate] = useState<Gate>({ phase: 'checking' });

  useEffect(() => {
    const apiKey = savedApiKey();
    void keyIsAccepted(apiKey).then((accepted) => {
      if (accepted) return setGate({ phase: 'ready', apiKey });
      forgetApiKey();
      setGate({ phase: 'needKey', message: apiKey ? 'The saved key is no longer accepted. Enter a key.' : null });
    });
  }, []);

  const submitKey = useCallback(async (apiKey: string) => {
    if (await keyIsAccepted(apiKey)) {
      saveApiKey(apiKey);
      setGate({ phase: 'ready', apiKey });
    } else {
      setGate({ phase: 'needKey', message: 'That key was not accepted. Check it and try again.' });
    }
  }, []);

  const keyRefused = useCallback(() => {
    forgetApiKey();
    setGate({ phase: 'needKey', message: 'Your key is no longer accepted. Enter a key.' });
  }, []);

  const signOut = useCallback(() => {
    forgetApiKey();
    setGate({ phase: 'needKey', message: null });
  }, []);

  return (
    <>
      <header className="page-header">
        <h1>longrun</h1>
        <p className="subtitle">Video tasks, live</p>
      </header>
      <main>
        {gate.phase === 'checking' && <p role="status">Loading…</p>}
        {gate.phase === 'needKey' && <KeyPrompt message={gate.message} onSubmit={submitKey} />}
        {gate.phase === 'ready' && (
          <Dashboard apiKey={gate.apiKey} onUnauthenticated={keyRefused} onSignOut={gate.apiKey ? signOut : null} />
        )}
      </main>
    </>
  );
}
