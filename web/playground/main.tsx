// The GraphQL playground: GraphiQL 5 on longrun's own /graphql, bundled whole (Monaco and its
// workers included) so the page needs nothing from any other host.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { GraphiQL } from 'graphiql';
import { useEffect, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { useSettledAuthorization } from './authorization';
import { defaultQuery } from './defaultQuery';
import { createPlaygroundFetcher, type PlaygroundEndpoints } from './fetcher';
import { linkedOperation } from './linkedOperation';

/** GraphQL over HTTP and graphql-ws share the path the page was served for (/graphql). */
function endpointsOf(location: Location): PlaygroundEndpoints {
  const httpUrl = new URL('/graphql', location.href);
  const webSocketUrl = new URL(httpUrl);
  webSocketUrl.protocol = httpUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  return { httpUrl: httpUrl.href, webSocketUrl: webSocketUrl.href };
}

const endpoints = endpointsOf(window.location);
const linked = linkedOperation(window.location.search);

function Playground() {
  const [authorization, onEditHeaders] = useSettledAuthorization();
  // A fetcher per Authorization value: GraphiQL fetches the schema again whenever its fetcher
  // changes, so the docs appear once a key is entered, and the old key's socket is closed.
  const playground = useMemo(() => createPlaygroundFetcher(endpoints), [authorization]);
  useEffect(() => () => playground.dispose(), [playground]);
  return (
    <GraphiQL
      fetcher={playground.fetcher}
      defaultQuery={defaultQuery}
      onEditHeaders={onEditHeaders}
      // Keys stay out of localStorage; queries and tabs are kept.
      shouldPersistHeaders={false}
      {...linked}
    />
  );
}

const container = document.getElementById('playground');
if (!container) throw new Error('index.html has no #playground element');
createRoot(container).render(<Playground />);
