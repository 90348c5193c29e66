import { needsOfFile, undeclaredVariables } from './needs';

// Loaded first into every test file's process by test/run.ts (`node --import`): the file sees the
// environment of the needs it declares and nothing else, so a file that uses more than it
// declares fails in the full run exactly as it would when run alone.
const file = process.argv[1];
if (file?.endsWith('.test.ts')) {
  for (const name of undeclaredVariables(needsOfFile(file))) delete process.env[name];
}
