import { isMainThread } from 'node:worker_threads';

// Loaded into every test file's process by test/run.ts (`node --import`, after tsx): the file sees
// the environment of the needs it declares (test/needs.ts) and nothing else, so a file that uses
// more than it declares fails in the full run exactly as it would when run alone. Plain JavaScript:
// worker threads a test starts load it too, without tsx (they share the file's trimmed environment).
const file = process.argv[1];
if (isMainThread && file?.endsWith('.test.ts')) {
  const { needsOfFile, undeclaredVariables } = await import('./needs.ts');
  for (const name of undeclaredVariables(needsOfFile(file))) delete process.env[name];
}
