// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { createUser, startTestSystem, type TestSystem } from '../support/system';

// Schemathesis (property-based fuzzing from the OpenAPI document) against a live test system:
// real Temporal, real PostgreSQL, the Veriff simulator. Every operation of /openapi.json is called
// with generated valid and invalid input, once as a customer and once as an admin (so both the
// customer's writes and the staff reads go past their role guards). The gate is "no 5xx"; checked
// too: the document's promises (status codes, content types, schemas and headers of responses),
// input that breaks the schema being refused, authentication being enforced, 405 for methods a
// path does not declare. Bounded by examples per operation and a time budget per run.

const ROOT = path.resolve(__dirname, '..', '..');
const REPORT_DIR = path.join(ROOT, 'test-artifacts', 'schemathesis');
const EXAMPLES_PER_OPERATION = 20;
const TIME_BUDGET_SECONDS = 45;
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'response_headers_conformance',
  'negative_data_rejection',
  'ignored_auth',
  'unsupported_method',
  'missing_required_header',
  'allow_header_conformance',
];

interface FuzzRun {
  exitCode: number;
  output: string;
  cases: number;
  failures: string[];
}

// The ndjson report has one event per line; each finished scenario records its cases and the
// verdict of every check on them.
const scenarioSchema = z.object({
  ScenarioFinished: z.object({
    recorder: z.object({
      label: z.string(),
      cases: z.record(z.string(), z.unknown()).default({}),
      checks: z.record(z.string(), z.array(z.object({ name: z.string(), status: z.string() }))).default({}),
    }),
  }),
});

async function summarise(ndjson: string): Promise<{ cases: number; failures: string[] }> {
  let cases = 0;
  const failures = new Set<string>();
  for (const line of (await readFile(ndjson, 'utf8')).split('\n')) {
    const scenario = line.includes('"ScenarioFinished"') ? scenarioSchema.safeParse(JSON.parse(line)) : undefined;
    if (!scenario?.success) continue;
    const { label, cases: ran, checks } = scenario.data.ScenarioFinished.recorder;
    cases += Object.keys(ran).length;
    for (const check of Object.values(checks).flat()) {
      if (check.status !== 'success') failures.add(`${label}: ${check.name} (${check.status})`);
    }
  }
  return { cases, failures: [...failures] };
}

function fuzz(cli: string, system: TestSystem, token: string, label: string): Promise<FuzzRun> {
  const ndjson = path.join(REPORT_DIR, `${label}.ndjson`);
  const args = [
    'run',
    `${system.apiUrl}/openapi.json`,
    '--url', system.apiUrl,
    '--header', `Authorization: Bearer ${token}`,
    '--checks', CHECKS.join(','),
    '--max-examples', String(EXAMPLES_PER_OPERATION),
    '--max-time', String(TIME_BUDGET_SECONDS),
    '--phases', 'examples,coverage,fuzzing',
    '--seed', '20261121',
    // One worker: with two, schemathesis's threads parse lambda sources concurrently and trip
    // CPython 3.11's AST recursion-depth race (python/cpython#106905, fixed in 3.11.8 and 3.12.1),
    // an internal error of the fuzzer that says nothing about the API.
    '--workers', '1',
    '--request-timeout', '30',
    '--wait-for-schema', '30',
    '--no-shrink',
    '--continue-on-failure',
    '--generation-database', 'none',
    '--report', 'ndjson',
    '--report-ndjson-path', ndjson,
    '--no-color',
    // A customer's erasure request closes their own account: after it every call would be a 401.
    ...(label === 'customer' ? ['--exclude-operation-id', 'requestErasure'] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { cwd: REPORT_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      // No report means schemathesis stopped before testing (it says why in its output).
      summarise(ndjson).then(
        ({ cases, failures }) => resolve({ exitCode: code ?? 1, output, cases, failures }),
        () => resolve({ exitCode: code ?? 1, output, cases: 0, failures: ['schemathesis wrote no report'] }),
      );
    });
  });
}

describe('fuzzing the OpenAPI document with schemathesis', () => {
  let system: TestSystem;
  let cli: string;

  before(async () => {
    // Installs schemathesis into .tools/venv on a fresh machine (PyPI), then reuses it.
    cli = execFileSync('bash', [path.join(ROOT, 'scripts', 'ensure-schemathesis.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    await rm(REPORT_DIR, { recursive: true, force: true });
    await mkdir(REPORT_DIR, { recursive: true });
    system = await startTestSystem();
    // Built on first request: built here, so the fuzzer's first fetch is not the slow one.
    assert.equal((await fetch(`${system.apiUrl}/openapi.json`)).status, 200);
  });
  after(async () => {
    await system?.stop();
  });

  for (const role of ['customer', 'admin'] as const) {
    test(`when every operation is fuzzed as ${role === 'admin' ? 'an admin' : 'a customer'}, then no response is a server error and every response keeps the document's promises`, { timeout: 180_000 }, async () => {
      const user = await createUser(system, role);
      const run = await fuzz(cli, system, user.token, role);
      console.log(`# schemathesis (${role}): ${run.cases} cases ran, ${run.failures.length} distinct failures`);
      assert.ok(run.cases > 100, `too few cases ran (${run.cases}):\n${run.output.slice(-4000)}`);
      assert.deepEqual(run.failures, [], run.output.slice(-8000));
      assert.equal(run.exitCode, 0, run.output.slice(-8000));
    });
  }
});
