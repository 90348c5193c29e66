// needs: workflow-bundle
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../../domain/config';
import { kycDataConverter } from '../../infra/temporal';
import { workflowBundle } from '../support/system';

// Recorded histories of every branch, one folder per release (test/fixtures/histories/<version>,
// see test/replay/record-histories.ts), replayed through the current workflow code: a change that
// would break a running workflow of any release fails here. Released folders are frozen; a
// deliberate change ships behind patched() so that every one of them still replays.
const DIR = path.resolve(__dirname, '../fixtures/histories');

// The branches each release must have recorded histories of.
const BRANCHES: Record<string, string[]> = {
  '0.2.0': [
    'approved',
    'declined',
    'decision-before-events',
    'record-refused',
    'resubmission-retry-approved',
    'retry-limit-rejected',
    'review-child-four-eyes',
    'review-four-eyes-approved',
    'review-rejected',
    'saga-rollback',
    'session-timeout',
    'vendor-expired',
  ],
};

describe('workflow determinism', async () => {
  const releases = (await readdir(DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

  test('every release has its folder of histories', () => {
    assert.deepEqual(releases, Object.keys(BRANCHES).sort());
  });

  for (const release of releases) {
    const folder = path.join(DIR, release);
    const files = (await readdir(folder)).filter((f) => f.endsWith('.history.bin')).sort();
    const branch = (file: string) => file.replace(/\.history\.bin$/, '');
    const workflowIds = JSON.parse(await readFile(path.join(folder, 'workflow-ids.json'), 'utf8')) as Record<string, string>;

    test(`release ${release}: there is a recorded history for every branch`, () => {
      assert.deepEqual(files.map(branch), [...(BRANCHES[release] ?? [])].sort());
    });

    for (const file of files) {
      test(`release ${release}: when the ${branch(file)} history is replayed, then the current code makes the same decisions`, async () => {
        const history = temporal.api.history.v1.History.decode(await readFile(path.join(folder, file)));
        // The fixtures were recorded with the development payload key (public by design).
        await Worker.runReplayHistory({ workflowBundle: { code: await workflowBundle() }, dataConverter: kycDataConverter(loadConfig({})) }, history, workflowIds[branch(file)]);
      });
    }
  }
});
