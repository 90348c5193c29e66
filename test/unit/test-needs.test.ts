// needs: nothing
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NEED_NAMES, needsOfRun, parseNeeds, undeclaredVariables } from '../needs';

// What the runner prepares for a run (test/needs.ts): each file's `// needs:` line, everything for
// a file without one, and no service for a unit test.

describe("a test file's needs", () => {
  test('when a file declares its needs, then they come in the order the runner prepares them', () => {
    assert.deepEqual(parseNeeds('// needs: workflow-bundle, postgres, temporal\nimport x from "y";'), ['temporal', 'postgres', 'workflow-bundle']);
  });

  test('when a file declares nothing, then it needs nothing', () => {
    assert.deepEqual(parseNeeds('// needs: nothing\n'), []);
  });

  test('when a file has no needs line, then it gets everything, so a new file runs before anyone declares it', () => {
    assert.deepEqual(parseNeeds("import { test } from 'node:test';\n"), NEED_NAMES);
  });

  test('when a file names a need that does not exist, then the run is refused naming the file, the need and the needs there are', () => {
    assert.throws(() => parseNeeds('// needs: postgres, redis\n', 'test/e2e/x.test.ts'), (err: Error) => /test\/e2e\/x\.test\.ts: unknown need redis/.test(err.message) && err.message.includes('temporal-test-server'));
    assert.throws(() => parseNeeds('// needs:\n', 'test/e2e/x.test.ts'), /unknown need \(empty\)/);
  });

  test("when a file did not declare a need, then that need's variables are kept from it, and its own are not", () => {
    const hidden = undeclaredVariables(['postgres', 'workflow-bundle']);
    assert.ok(hidden.includes('TEMPORAL_ADDRESS') && hidden.includes('TEST_AMQP_URL') && hidden.includes('TEMPORAL_TEST_SERVER_PATH'));
    assert.ok(!hidden.includes('TEST_DATABASE_URL') && !hidden.includes('WORKFLOW_BUNDLE_PATH'));
  });

  test('when a file declares the Temporal CLI alone, then it keeps the CLI but not the run\'s dev server', () => {
    const hidden = undeclaredVariables(['temporal-cli']);
    assert.ok(hidden.includes('TEMPORAL_ADDRESS'));
    assert.ok(!hidden.includes('TEMPORAL_CLI_PATH'));
  });
});

describe("a run's needs", () => {
  async function withFiles(files: Record<string, string>, check: (root: string) => void | Promise<void>) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'kyc-needs-'));
    try {
      for (const [file, source] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(root, file)), { recursive: true });
        await writeFile(path.join(root, file), source);
      }
      await check(root);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  test('when files are chosen, then the run prepares what any of them needs, once', async () => {
    await withFiles({ 'test/workflows/a.test.ts': '// needs: temporal-test-server, workflow-bundle\n', 'test/unit/b.test.ts': '// needs: fonts\n', 'test/unit/c.test.ts': '// needs: nothing\n' }, (root) => {
      assert.deepEqual(needsOfRun(['test/workflows/a.test.ts', 'test/unit/b.test.ts', 'test/unit/c.test.ts'], root), ['workflow-bundle', 'temporal-test-server', 'fonts']);
    });
  });

  test('when a unit test declares a service, then the run is refused naming it', async () => {
    await withFiles({ 'test/unit/db.test.ts': '// needs: postgres\n', 'test/unit/ok.test.ts': '// needs: workflow-bundle\n' }, (root) => {
      assert.throws(() => needsOfRun(['test/unit/db.test.ts', 'test/unit/ok.test.ts'], root), /a unit test needs no service.*test\/unit\/db\.test\.ts \(postgres\)/);
      assert.deepEqual(needsOfRun(['test/unit/ok.test.ts'], root), ['workflow-bundle']);
    });
  });

  test('when a unit test has no needs line, then it gets what a unit test may need, and a file elsewhere gets everything', async () => {
    await withFiles({ 'test/unit/new.test.ts': '\n', 'test/e2e/new.test.ts': '\n' }, (root) => {
      assert.deepEqual(needsOfRun(['test/unit/new.test.ts'], root), ['workflow-bundle', 'fonts']);
      assert.deepEqual(needsOfRun(['test/e2e/new.test.ts'], root), NEED_NAMES);
    });
  });
});
