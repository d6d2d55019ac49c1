// A link may carry an operation to open: /graphql?query=...&variables=... (as GraphiQL's own
// examples do), in a tab of its own next to the ones kept from earlier visits.
export interface LinkedOperation {
  initialQuery?: string;
  initialVariables?: string;
}

export function linkedOperation(search: string): LinkedOperation {
  const params = new URLSearchParams(search);
  const query = params.get('query');
  const variables = params.get('variables');
  return {
    ...(query ? { initialQuery: query } : {}),
    ...(variables ? { initialVariables: variables } : {}),
  };
}
