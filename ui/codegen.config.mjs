// GraphQL codegen: typed urql documents from the committed ../schema.graphql.
// Shared by `npm run codegen` (writes src/gql/) and `npm run codegen:check` (writes a
// temporary folder and compares), so both always use the same settings.

/** @param {string} outDir where the generated files go (ends with a slash) */
export function codegenConfig(outDir) {
  return {
    schema: '../schema.graphql',
    // The documents live in src/api/ only: one place to read every query the UI sends.
    documents: ['src/api/**/*.ts', '!src/api/**/*.test.ts'],
    ignoreNoDocuments: false,
    silent: true,
    errorsOnly: true,
    generates: {
      [outDir]: {
        preset: 'client',
        presetConfig: { fragmentMasking: false },
        config: {
          useTypeImports: true,
          enumsAsTypes: true,
          skipTypename: true,
          avoidOptionals: { field: true, inputValue: false, object: false },
          scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
        },
      },
    },
  };
}

export default codegenConfig('src/gql/');
