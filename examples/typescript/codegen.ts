import type { CodegenConfig } from '@graphql-codegen/cli'

// Typed operations from the checked-in schema: an operation in src/ that no longer matches the
// schema fails `npm run build`.
const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/*.ts'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string', Date: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
}

export default config
