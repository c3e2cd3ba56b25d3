// `npm run codegen` and `npm run codegen:check` (with --check): generate the typed GraphQL
// documents; with --check, generate into a temporary folder and fail when src/gql/ differs
// (the schema or a query changed without regenerating).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { codegenConfig } from '../codegen.config.mjs';

const committed = 'src/gql';
const check = process.argv.includes('--check');

if (!check) {
  await generate(codegenConfig(`${committed}/`), true);
  process.exit(0);
}

const temp = mkdtempSync(join(tmpdir(), 'chroma-gql-'));
try {
  await generate(codegenConfig(`${temp}/`), true);
  const names = (dir) => readdirSync(dir).sort();
  const fresh = names(temp);
  const old = names(committed);
  const differ = [...new Set([...fresh, ...old])].filter((name) => {
    if (!fresh.includes(name) || !old.includes(name)) return true;
    return readFileSync(join(temp, name), 'utf8') !== readFileSync(join(committed, name), 'utf8');
  });
  if (differ.length > 0) {
    console.error(`src/gql/ is stale (${differ.join(', ')}): run \`npm run codegen\` and commit.`);
    process.exit(1);
  }
  console.log(`src/gql/ is up to date (${fresh.length} files).`);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
