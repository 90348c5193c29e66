import { readFileSync } from 'node:fs';
import path from 'node:path';

// What a test file needs prepared before it runs, declared in one comment line of the file:
//
//   // needs: postgres, temporal, workflow-bundle
//
// `// needs: nothing` for a file that needs none. A file without the line gets everything, so a
// new file works before anyone thinks about it. The runner (test/run.ts) prepares the union of
// what the chosen files need, in the order below, and each file sees the environment of its own
// needs only (test/declared-needs.mjs), so a file that uses more than it declares fails in the
// full run too, not only when run alone.

export interface Need {
  /** What is prepared, for the runner's log and docs/testing.md. */
  what: string;
  /** The scripts/ensure-*.sh that finds or installs it (prints what the first variable holds). */
  script?: string;
  /** The variables it gives a test file (the first is what the script prints). */
  env: readonly string[];
  /** A server or another process a test talks to: never a need of a unit test. */
  service: boolean;
}

export const NEEDS = {
  temporal: { what: 'the Temporal CLI and one dev server for the run', script: 'ensure-temporal.sh', env: ['TEMPORAL_CLI_PATH', 'TEMPORAL_ADDRESS'], service: true },
  // The CLI alone, for a test that starts servers of its own with it (npm start, the stack).
  'temporal-cli': { what: 'the Temporal CLI', script: 'ensure-temporal.sh', env: ['TEMPORAL_CLI_PATH'], service: true },
  postgres: { what: 'a PostgreSQL server', script: 'ensure-postgres.sh', env: ['TEST_DATABASE_URL'], service: true },
  'workflow-bundle': { what: 'the workflow code, bundled once for the run', env: ['WORKFLOW_BUNDLE_PATH'], service: false },
  'temporal-test-server': { what: "Temporal's time-skipping test server (Java, from Maven Central)", script: 'ensure-temporal-test-server.sh', env: ['TEMPORAL_TEST_SERVER_PATH'], service: true },
  'temporal-server': { what: 'Temporal Server and its SQL tool (the production-like stack)', script: 'ensure-temporal-server.sh', env: ['TEMPORAL_SERVER_DIR'], service: true },
  'temporal-ui': { what: 'the Temporal Web UI server (the stack)', script: 'ensure-temporal-ui.sh', env: ['TEMPORAL_UI_SERVER_PATH'], service: true },
  haproxy: { what: "HAProxy (the stack's load balancer)", script: 'ensure-haproxy.sh', env: ['HAPROXY_PATH'], service: true },
  rabbitmq: { what: 'a RabbitMQ node', script: 'ensure-rabbitmq.sh', env: ['TEST_AMQP_URL'], service: true },
  'docker-compose': { what: '`docker compose` (config only, no engine)', script: 'ensure-docker-compose.sh', env: [], service: false },
  chromium: { what: 'Chromium for the browser tests', script: 'ensure-chromium.sh', env: ['CHROMIUM_PATH'], service: true },
  fonts: { what: 'the fonts of the generated identity documents', script: 'ensure-fonts.sh', env: [], service: false },
} as const satisfies Record<string, Need>;

export type NeedName = keyof typeof NEEDS;
export const NEED_NAMES = Object.keys(NEEDS) as NeedName[];

const DECLARATION = /^\/\/ needs:(.*)$/m;

/** The needs a file's source declares; every need when it declares none. */
export function parseNeeds(source: string, file = 'the test file'): NeedName[] {
  const line = DECLARATION.exec(source);
  if (!line) return [...NEED_NAMES];
  const names = line[1]!.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'nothing') return [];
  const unknown = names.filter((name) => !(NEED_NAMES as string[]).includes(name));
  if (unknown.length || names.length === 0) {
    throw new Error(`${file}: unknown need ${unknown.join(', ') || '(empty)'} in its "// needs:" line; the needs are ${NEED_NAMES.join(', ')}, or "nothing"`);
  }
  return NEED_NAMES.filter((name) => names.includes(name));
}

export function needsOfFile(file: string): NeedName[] {
  return parseNeeds(readFileSync(file, 'utf8'), file);
}

/**
 * What a run of these files (paths relative to `root`) needs, in preparation order. A unit test
 * (test/unit/) needs no service: the run is refused when one declares one, or declares nothing.
 */
export function needsOfRun(files: readonly string[], root: string): NeedName[] {
  const needs = new Set<NeedName>();
  const misplaced: string[] = [];
  for (const file of files) {
    const own = needsOfFile(path.resolve(root, file));
    own.forEach((need) => needs.add(need));
    const services = own.filter((need) => NEEDS[need].service);
    if (path.relative(root, path.resolve(root, file)).split(path.sep).slice(0, 2).join('/') === 'test/unit' && services.length) misplaced.push(`${file} (${services.join(', ')})`);
  }
  if (misplaced.length) {
    throw new Error(`a unit test needs no service: give these a "// needs:" line without one, or move them to test/integration: ${misplaced.join('; ')}`);
  }
  return NEED_NAMES.filter((need) => needs.has(need));
}

/** The environment variables of the needs a file did not declare (and none of those it did). */
export function undeclaredVariables(declared: readonly NeedName[]): string[] {
  const kept = new Set(declared.flatMap((name) => NEEDS[name].env));
  return [...new Set(NEED_NAMES.flatMap((name) => NEEDS[name].env))].filter((variable) => !kept.has(variable));
}
