// Generates web/shared/src/api/schema.gen.ts, the TypeScript types of the REST
// API, from the contract api/openapi.yaml with openapi-typescript.
//
//   npm run gen:api              (in web/) rewrites the committed file
//   node gen-api.mjs --out FILE  writes FILE instead: `make test` compares a
//                                fresh one with the committed file and fails
//                                when they differ (deploy/local/test.sh)
//
// openapi-typescript drives the TypeScript 5 compiler API, which TypeScript 7
// (the workspace's compiler) no longer has: that is why web/shared has
// typescript 5 as a devDependency of its own, used by nothing but this script.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'

const here = dirname(fileURLToPath(import.meta.url))
const SPEC = resolve(here, '../../../api/openapi.yaml')
const OUT = resolve(here, '../src/api/schema.gen.ts')

const HEADER = `// Generated from api/openapi.yaml by openapi-typescript (web/shared/scripts/gen-api.mjs).
// Do not edit: change api/openapi.yaml, then run \`npm run gen:api\` in web/.

`

function outPath(argv) {
  const i = argv.indexOf('--out')
  if (i === -1) return OUT
  if (!argv[i + 1]) throw new Error('--out needs a file name')
  return resolve(argv[i + 1])
}

const out = outPath(process.argv.slice(2))
const ast = await openapiTS(new URL(`file://${SPEC}`), {
  // The API's objects are read, not changed, by the apps.
  immutable: true,
  // A name for every schema (Cart, VendorOrder, …) besides components['schemas'][…].
  rootTypes: true,
  rootTypesNoSchemaPrefix: true,
  // A field is required only where the contract says so: a default (such as
  // a refund's restock: false) is what the server assumes when it is left out.
  defaultNonNullable: false,
  silent: true,
})
await mkdir(dirname(out), { recursive: true })
await writeFile(out, HEADER + astToString(ast))
