import { readFileSync } from 'node:fs';
import path from 'node:path';

// What a test file needs prepared before it runs, declared in one comment line of the file:
//
//   // needs: postgres, temporal, workflow-bundle
//
// `// needs: nothing` for a file that needs none. A file without the line gets everything (in
// test/unit/, what a unit test may need: the bundle and the fonts), so a new file works before
// anyone thinks about it. A unit test that declares a service is refused: it belongs in
// test/integration/. The runner (test/run.ts) prepares the union of what the chosen files need, in
// the order below, and each file sees the environment of its own needs only
// (test/declared-needs.mjs), so a file that uses more than it declares fails in the full run too,
// not only when run alone.

export interface Need {
  /** What is prepared, for the runner's log and docs/testing.md. */
  what: string;
  /** The scripts/ensure-*.sh that finds or installs it (prints what the first variable holds). */
  script?: string;
  /** The variables it gives a test file (the first is what the script prints). */
  env: readonly string[];
  /** A unit test may need it: it starts no server and builds nothing for minutes. */
  unit: boolean;
}

export const NEEDS = {
  temporal: { what: 'the Temporal CLI and one dev server for the run', script: 'ensure-temporal.sh', env: ['TEMPORAL_CLI_PATH', 'TEMPORAL_ADDRESS'], unit: false },
  // The CLI alone, for a test that starts servers of its own with it (npm start, the stack).
  'temporal-cli': { what: 'the Temporal CLI', script: 'ensure-temporal.sh', env: ['TEMPORAL_CLI_PATH'], unit: false },
  postgres: { what: 'a PostgreSQL server', script: 'ensure-postgres.sh', env: ['TEST_DATABASE_URL'], unit: false },
  'workflow-bundle': { what: 'the workflow code, bundled once for the run', env: ['WORKFLOW_BUNDLE_PATH'], unit: true },
  'temporal-test-server': { what: "Temporal's time-skipping test server (Java, from Maven Central)", script: 'ensure-temporal-test-server.sh', env: ['TEMPORAL_TEST_SERVER_PATH'], unit: false },
  'temporal-server': { what: 'Temporal Server and its SQL tool (the production-like stack)', script: 'ensure-temporal-server.sh', env: ['TEMPORAL_SERVER_DIR'], unit: false },
  'temporal-ui': { what: 'the Temporal Web UI server (the stack)', script: 'ensure-temporal-ui.sh', env: ['TEMPORAL_UI_SERVER_PATH'], unit: false },
  haproxy: { what: "HAProxy (the stack's load balancer)", script: 'ensure-haproxy.sh', env: ['HAPROXY_PATH'], unit: false },
  rabbitmq: { what: 'a RabbitMQ node', script: 'ensure-rabbitmq.sh', env: ['TEST_AMQP_URL'], unit: false },
  'docker-compose': { what: '`docker compose` (config only, no engine)', script: 'ensure-docker-compose.sh', env: [], unit: false },
  openssl: { what: "OpenSSL (the certificates of Temporal's mutual TLS: the stack, docker-compose.yml)", script: 'ensure-openssl.sh', env: [], unit: false },
  chromium: { what: 'Chromium for the browser tests', script: 'ensure-chromium.sh', env: ['CHROMIUM_PATH'], unit: false },
  fonts: { what: 'the fonts of the generated identity documents', script: 'ensure-fonts.sh', env: [], unit: true },
} as const satisfies Record<string, Need>;

export type NeedName = keyof typeof NEEDS;
export const NEED_NAMES = Object.keys(NEEDS) as NeedName[];

/** What a unit test without a needs line gets: everything a unit test may need. */
export const UNIT_DEFAULT_NEEDS = NEED_NAMES.filter((name) => NEEDS[name].unit);

const ROOT = path.resolve(__dirname, '..');
const DECLARATION = /^\/\/ needs:(.*)$/m;

/** The needs a file's source declares; `undeclared` when it has no needs line. */
export function parseNeeds(source: string, file = 'the test file', undeclared: readonly NeedName[] = NEED_NAMES): NeedName[] {
  const line = DECLARATION.exec(source);
  if (!line) return [...undeclared];
  const names = line[1]!.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'nothing') return [];
  const unknown = names.filter((name) => !(NEED_NAMES as string[]).includes(name));
  if (unknown.length || names.length === 0) {
    throw new Error(`${file}: unknown need ${unknown.join(', ') || '(empty)'} in its "// needs:" line; the needs are ${NEED_NAMES.join(', ')}, or "nothing"`);
  }
  return NEED_NAMES.filter((name) => names.includes(name));
}

/** A file of the unit tier: under test/unit/ of the checkout at `root`. */
function inUnitTier(file: string, root: string): boolean {
  return path.relative(root, path.resolve(root, file)).split(path.sep).slice(0, 2).join('/') === 'test/unit';
}

/** What a test file (a path relative to `root`, or absolute) needs. */
export function needsOfFile(file: string, root = ROOT): NeedName[] {
  return parseNeeds(readFileSync(path.resolve(root, file), 'utf8'), file, inUnitTier(file, root) ? UNIT_DEFAULT_NEEDS : NEED_NAMES);
}

/**
 * What a run of these files needs, in preparation order. A unit test (test/unit/) needs no
 * service: the run is refused when one declares one (or a tool that takes minutes to build).
 */
export function needsOfRun(files: readonly string[], root = ROOT): NeedName[] {
  const needs = new Set<NeedName>();
  const misplaced: string[] = [];
  for (const file of files) {
    const own = needsOfFile(file, root);
    own.forEach((need) => needs.add(need));
    const services = own.filter((need) => !NEEDS[need].unit);
    if (inUnitTier(file, root) && services.length) misplaced.push(`${file} (${services.join(', ')})`);
  }
  if (misplaced.length) {
    throw new Error(`a unit test needs no service: take it out of the "// needs:" line, or move the file to test/integration: ${misplaced.join('; ')}`);
  }
  return NEED_NAMES.filter((need) => needs.has(need));
}

/** The environment variables of the needs a file did not declare (and none of those it did). */
export function undeclaredVariables(declared: readonly NeedName[]): string[] {
  const kept = new Set(declared.flatMap((name) => NEEDS[name].env));
  return [...new Set(NEED_NAMES.flatMap((name) => NEEDS[name].env))].filter((variable) => !kept.has(variable));
}
