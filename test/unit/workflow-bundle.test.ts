// needs: workflow-bundle
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DOMAIN_MODULES } from '../../worker/workflow-bundle';

// The workflow bundle shares the domain modules it holds between the workflows of a worker (they
// are evaluated once, not once per workflow). That is only safe for modules without state, and
// only cheap if none is left out: both are checked here, on the bundle the test run built.

const ROOT = path.resolve(__dirname, '..', '..');

function bundle(): string {
  const file = process.env.WORKFLOW_BUNDLE_PATH;
  if (!file) throw new Error('WORKFLOW_BUNDLE_PATH is not set: run the tests with `npm test`');
  return readFileSync(file, 'utf8');
}

describe('the workflow bundle', () => {
  test('when the workflows read a domain module, then it is among the modules shared between workflows', () => {
    const held = [...bundle().matchAll(/^\/\*\*\*\/ "\.\/domain\/([a-z-]+)\.ts"/gm)].map((m) => m[1]!);
    assert.ok(held.includes('status'), `the bundle's module list could not be read (found ${held.join(', ') || 'none'})`);
    assert.deepEqual(
      held.filter((name) => !(SHARED_DOMAIN_MODULES as readonly string[]).includes(name)),
      [],
      'add the module to SHARED_DOMAIN_MODULES in worker/workflow-bundle.ts (after checking it keeps no state)',
    );
  });

  test('when a module is shared, then it is loaded before any workflow and imports only zod and other shared modules', () => {
    const code = bundle();
    const preload = code.slice(code.indexOf('exports.preloadModules'), code.indexOf('exports.importWorkflows'));
    for (const name of SHARED_DOMAIN_MODULES) {
      assert.match(preload, new RegExp(`domain/${name}\\.ts`), `${name} is not preloaded`);
      const source = readFileSync(path.join(ROOT, 'domain', `${name}.ts`), 'utf8');
      for (const [, names, from] of source.matchAll(/^import (?!type )([^;]*?) from '([^']+)'/gm)) {
        // `import { type X }` only: erased when compiled.
        const typesOnly = /^\{[^}]*\}$/.test(names!.trim()) && names!.replace(/[{}\s]/g, '').split(',').every((n) => n.startsWith('type'));
        if (typesOnly) continue;
        const shared = from === 'zod' || (from!.startsWith('./') && (SHARED_DOMAIN_MODULES as readonly string[]).includes(from!.slice(2)));
        assert.ok(shared, `domain/${name}.ts imports ${from}, which is not shared`);
      }
      // State kept at module level would be seen by every workflow of the worker.
      assert.doesNotMatch(source, /^(let|var) /m, `domain/${name}.ts keeps module-level state`);
    }
  });
});
