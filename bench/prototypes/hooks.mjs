// Module resolve hook for the shared-subscriptions prototype (see sharedSubscriptions.ts):
// src/graphql/*'s import of graphql-ws/use/ws gets the prototype's wrapper instead.
export async function resolve(specifier, context, next) {
  if (specifier === 'graphql-ws/use/ws' && context.parentURL && context.parentURL.includes('/src/graphql/')) {
    return next(new URL('./sharedSubscriptions.ts', import.meta.url).href, context);
  }
  return next(specifier, context);
}
