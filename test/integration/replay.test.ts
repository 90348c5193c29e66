import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../../domain/config';
import { kycDataConverter } from '../../infra/temporal';
import { workflowBundle } from '../support/system';

// Recorded histories of every branch (test/fixtures/histories, see test/replay/record-histories.ts)
// replayed through the current workflow code: a change that would break running workflows fails here.
const DIR = path.resolve(__dirname, '../fixtures/histories');

describe('workflow determinism', async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.history.bin')).sort();
  const branch = (file: string) => file.replace(/\.history\.bin$/, '');
  const workflowIds = JSON.parse(await readFile(path.join(DIR, 'workflow-ids.json'), 'utf8')) as Record<string, string>;

  test('there is a recorded history for every branch', () => {
    const expected = ['approved', 'declined', 'decision-before-events', 'resubmission-retry-approved', 'retry-limit-rejected', 'review-child-four-eyes', 'review-four-eyes-approved', 'saga-rollback', 'session-timeout', 'validation-failed', 'vendor-expired'];
    assert.deepEqual(files.map(branch), expected.sort());
  });

  for (const file of files) {
    test(`when the ${branch(file)} history is replayed, then the current code makes the same decisions`, async () => {
      const history = temporal.api.history.v1.History.decode(await readFile(path.join(DIR, file)));
      // The fixtures were recorded with the development payload key (public by design).
      await Worker.runReplayHistory({ workflowBundle: { code: await workflowBundle() }, dataConverter: kycDataConverter(loadConfig({})) }, history, workflowIds[branch(file)]);
    });
  }
});
