import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderGeneratedDocs } from './docs/render';

// `npm run docs`: writes the pages of docs/ generated from the code (scripts/docs/render.ts) and
// says which changed. test/unit/docs-fresh.test.ts fails until they are written and committed.

const REPOSITORY = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const pages = await renderGeneratedDocs();
  for (const [relative, content] of Object.entries(pages)) {
    const file = path.join(REPOSITORY, relative);
    const before = await readFile(file, 'utf8').catch(() => null);
    if (before === content) {
      console.log(`${relative}: up to date`);
      continue;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    console.log(`${relative}: ${before === null ? 'written' : 'rewritten'}`);
  }
}

main().catch((err: Error) => {
  console.error(`docs: ${err.name}: ${err.message}`);
  process.exit(1);
});
