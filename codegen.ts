// Resolver types generated from schema.graphql, so the compiler checks resolvers against it.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  silent: true,
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'Date' },
        mappers: {
          Task: '../tasks/taskTypes.js#TaskView',
          Video: '../videos/videoTypes.js#VideoRecord',
        },
        contextType: '../graphql/context.js#GraphQLContext',
        avoidOptionals: { field: true, inputValue: false, object: false },
      },
    },
  },
};

export default config;
