// needs: nothing
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type GeneratedDocs, renderGeneratedDocs } from '../../scripts/docs/render';

// The pages of docs/ generated from the code (configuration, endpoints and roles, events, retention,
// risk rules) are written again here and compared with the committed files: a change to a
// configuration description, an endpoint's roles, an event's fields, a retention period or a risk
// weight fails until `npm run docs` has rewritten the page it shows up on.

const ROOT = path.resolve(__dirname, '..', '..');

describe('generated documentation', () => {
  let pages: GeneratedDocs;

  before(async () => {
    pages = await renderGeneratedDocs();
  });

  test('when each generated page is written again from the code, then the committed file is the same', async () => {
    assert.ok(Object.keys(pages).length >= 5, 'the generator writes the configuration and the reference pages');
    for (const [relative, expected] of Object.entries(pages)) {
      const committed = await readFile(path.join(ROOT, relative), 'utf8').catch(() => null);
      assert.ok(committed !== null, `${relative} is missing: run npm run docs`);
      assert.equal(committed, expected, `${relative} is stale: run npm run docs and commit the result`);
    }
  });

  test('when docs/reference/ is listed, then it holds generated pages only (a hand-written page there would be overwritten or left stale)', async () => {
    const listed = (await readdir(path.join(ROOT, 'docs', 'reference'))).map((name) => `docs/reference/${name}`).sort();
    const generated = Object.keys(pages).filter((relative) => relative.startsWith('docs/reference/')).sort();
    assert.deepEqual(listed, generated);
  });

  test('when the configuration page is read, then it has a row for every variable of the schemas, with its default', () => {
    const configuration = pages['docs/configuration.md']!;
    for (const variable of ['KYC_REVIEW_SLA', 'KYC_ESCALATION_SLA', 'KYC_RESUBMISSION_WINDOW', 'KYC_RISK_REVIEW_THRESHOLD', 'KYC_HIGH_RISK_COUNTRIES', 'TEMPORAL_UI_URL', 'KYC_STACK_DB_PREFIX']) {
      assert.match(configuration, new RegExp(`^\\| \`${variable}\` \\| [^|]+ \\|`, 'm'), `${variable} has a row`);
    }
    assert.match(configuration, /^\| `KYC_REVIEW_SLA` \| `86400` \|/m);
    // Development keys are public but must not be copied from the docs into a deployment.
    assert.doesNotMatch(configuration, /dev1:/);
    assert.match(configuration, /^\| `KYC_PII_KEYS` \| a development value \|/m);
  });
});
