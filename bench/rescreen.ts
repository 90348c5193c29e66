import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { type Prisma } from '../generated/prisma/client';
import { startTemporalDevServer } from '../scripts/temporal-dev-server';
import { ensureBundledLists } from '../screening/bundled';
import { basicLimits } from '../store/wallets';
import { screeningRescreen } from '../workflows/screening-monitor';
import { type RescreenProgress } from '../workflows/screening-monitor.contract';
import { KYC_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { loadUnList, rescreenNewVersions, screeningStore, unListXml, withListedIndividual } from '../test/support/screening';
import { startTestSystem, type TestSystem } from '../test/support/system';
import { random, syntheticCustomer } from './screening-variants';
import { freePorts } from '../infra/ports';

// `npm run bench:rescreen`: ongoing screening of approved customers through the product, on the
// real components (Temporal dev server, worker, PostgreSQL): N approved verifications (encrypted
// as the record store writes them), the bundled lists, then a new UN list version adding
// D people, P of whom are customers. The rescreen runs as in production (batches of 500, a new run
// every 20 batches): it prints its wall time, customers per second, the runs and their history
// sizes, and the cases it opened. --full also times the periodic full rescreen against every
// entry in force. Prints figures; asserts nothing.

const USAGE = `usage: npm run bench:rescreen -- [--customers N] [--delta D] [--planted P] [--full] [--seed S]
  --customers  approved verifications (default 100000)
  --delta      people the new UN version adds (default 60)
  --planted    of them, customers (default 10): the cases the rescreen must open
  --full       also time the periodic full rescreen against every entry in force
  --seed       the synthetic customers (default 23)`;

function readOptions() {
  const { values } = parseArgs({
    options: { customers: { type: 'string' }, delta: { type: 'string' }, planted: { type: 'string' }, full: { type: 'boolean' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (raw: string | undefined, fallback: number, min: number, name: string) => {
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}\n${USAGE}`);
    return value;
  };
  const delta = int(values.delta, 60, 1, 'delta');
  return { customers: int(values.customers, 100_000, 1, 'customers'), delta, planted: Math.min(delta, int(values.planted, 10, 0, 'planted')), full: values.full ?? false, seed: int(values.seed, 23, 0, 'seed') };
}


// Names no real list and no synthetic customer carries: the new version's people.
const SYLLABLES = ['ka', 'zu', 'mir', 'tol', 'ven', 'rax', 'ul', 'bek', 'sho', 'dri', 'quo', 'lem'];
function inventedName(i: number): { first: string; second: string } {
  const s = (n: number) => SYLLABLES[n % SYLLABLES.length]!;
  const word = (a: number, b: number, c: number) => (s(a) + s(b) + s(c)).replace(/^./, (ch) => ch.toUpperCase());
  return { first: word(i, i >> 2, i + 5), second: word(i >> 1, i + 3, i >> 3) + s(i + 7) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** N approved verifications written the way the record store writes them (PII encrypted), in chunks. */
async function seedApprovedCustomers(system: TestSystem, count: number, seed: number, planted: { first: string; last: string; year: string }[]): Promise<void> {
  const rnd = random(seed);
  const { cipher, db } = system;
  const CHUNK = 2000;
  for (let start = 0; start < count; start += CHUNK) {
    const users: { id: string; username: string; role: 'customer' }[] = [];
    const records: Prisma.KycRecordCreateManyInput[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const synthetic = syntheticCustomer(rnd, i);
      const tokens = synthetic.names[0]!.split(' ');
      const person = i < planted.length ? { first: planted[i]!.first, last: planted[i]!.last, dob: `${planted[i]!.year}-05-05`, country: 'BW' } : { first: tokens.slice(0, -1).join(' '), last: tokens.at(-1)!, dob: synthetic.dateOfBirth, country: synthetic.countries[0]! };
      const userId = randomUUID();
      const documentNumber = `BN${String(i).padStart(9, '0')}`;
      users.push({ id: userId, username: `rescreen-bench-${i}`, role: 'customer' });
      records.push({
        userId,
        status: 'approved',
        firstNameEnc: cipher.encrypt(person.first),
        lastNameEnc: cipher.encrypt(person.last),
        dateOfBirthEnc: cipher.encrypt(person.dob),
        documentNumberEnc: cipher.encrypt(documentNumber),
        documentNumberHash: cipher.documentHash(documentNumber),
        addressEnc: cipher.encryptJson({ address_line_1: '1 Main St', address_line_2: null, city: 'Gaborone', state_province: null, postal_code: '00000' }),
        nationality: person.country,
        country: person.country,
        documentType: 'passport',
        workflowId: `kyc-${userId}`,
        workflowRunId: randomUUID(),
        extractedDataEnc: cipher.encryptJson({ identity: { firstName: person.first, lastName: person.last, dateOfBirth: person.dob, documentNumber, nationality: person.country } }),
        verifiedAt: new Date(),
      });
    }
    await db.user.createMany({ data: users });
    await db.kycRecord.createMany({ data: records });
    await db.wallet.createMany({ data: users.map((u) => ({ userId: u.id, ...basicLimits(), walletType: 'verified' as const, isKycVerified: true })) });
  }
}

/** The runs of a workflow id (continue-as-new chain) and the size of each history. */
async function runsOf(system: TestSystem, workflowId: string): Promise<number[]> {
  const sizes: number[] = [];
  for await (const execution of system.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await system.client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    sizes.push(history.events?.length ?? 0);
  }
  return sizes;
}

function report(name: string, progress: RescreenProgress, wallMs: number, runs: number[]): void {
  console.log(`\n${name}`);
  console.log(`  screened          ${progress.screened.toLocaleString('en')} approved verifications in ${seconds(wallMs)}: ${Math.round(progress.screened / (wallMs / 1000)).toLocaleString('en')} per second`);
  console.log(`  batches           ${progress.batches} (500 each), in ${runs.length} runs (continue-as-new every 20 batches)`);
  console.log(`  history per run   ${Math.min(...runs)}..${Math.max(...runs)} events (the largest run holds the case starts)`);
  console.log(`  with hits, cases  ${progress.withHits} customers with a match no clearance covers, ${progress.casesOpened} review cases opened (none for a hit already on a case)`);
}

async function main() {
  const options = readOptions();
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath || !process.env.TEST_DATABASE_URL) throw new Error('run the benchmark with `npm run bench:rescreen`');
  const started = performance.now();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kyc-bench-rescreen-'));
  const teardown: (() => Promise<unknown>)[] = [() => rm(tmp, { recursive: true, force: true })];
  try {
    const [port, uiPort] = (await freePorts(2)) as [number, number];
    const server = await startTemporalDevServer({ cliPath, dbFile: path.join(tmp, 'temporal.db'), ip: '127.0.0.1', port, uiPort, namespace: 'default', searchAttributes: KYC_SEARCH_ATTRIBUTES });
    teardown.unshift(() => server.stop());
    const bundlePath = path.join(tmp, 'workflow-bundle.js');
    await writeFile(bundlePath, (await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') })).code);
    process.env.TEMPORAL_ADDRESS = server.address;
    process.env.WORKFLOW_BUNDLE_PATH = bundlePath;
    // No list yet: this benchmark times the bundled lists' load itself.
    const system = await startTestSystem({}, { lists: false });
    teardown.unshift(() => system.stop());

    let at = performance.now();
    const lists = await ensureBundledLists(system.db);
    // The first versions are rescreened like any new version, before anybody is approved.
    await rescreenNewVersions(system, { hitAction: 'review' });
    const entries = await system.db.screeningEntry.count({ where: { removedInVersionId: null } });
    console.log(`# bundled lists loaded (${lists.map((l) => l.source).join(', ')}; ${entries.toLocaleString('en')} entries in force) in ${seconds(performance.now() - at)}`);

    const added = Array.from({ length: options.delta }, (_, i) => ({ ...inventedName(i), year: String(1950 + (i % 50)) }));
    at = performance.now();
    await seedApprovedCustomers(system, options.customers, options.seed, added.slice(0, options.planted).map((p) => ({ first: p.first, last: p.second, year: p.year })));
    console.log(`# ${options.customers.toLocaleString('en')} approved verifications written (PII encrypted) in ${seconds(performance.now() - at)}`);

    let xml = await unListXml();
    added.forEach((person, i) => (xml = withListedIndividual(xml, { dataId: String(98_000_000 + i), first: person.first, second: person.second, year: person.year, nationality: 'Botswana' })));
    const version = await loadUnList(system, xml);
    console.log(`# new UN version: ${version.version.addedCount} added, ${version.version.changedCount} changed`);

    at = performance.now();
    const delta = await rescreenNewVersions(system, { hitAction: 'review' });
    report(`rescreen after a list update (against the ${version.version.addedCount} new entries)`, delta.progress, performance.now() - at, await runsOf(system, delta.workflowId));
    const runs = await system.db.screeningRun.count({ where: { trigger: 'list_update' } });
    console.log(`  runs recorded     ${runs.toLocaleString('en')} screening runs (one per customer: every screening is stored)`);

    if (options.full) {
      at = performance.now();
      const workflowId = `bench-full-rescreen-${randomUUID()}`;
      const handle = await system.client.workflow.start(screeningRescreen, { workflowId, taskQueue: system.config.TEMPORAL_TASK_QUEUE, args: [{ trigger: 'periodic', listVersionIds: [], settings: { hitAction: 'review', reviewSlaSeconds: 86400, escalationSlaSeconds: 172800 } }] });
      const progress = (await handle.result()) as RescreenProgress;
      const wall = performance.now() - at;
      report(`periodic full rescreen (against every entry in force, ${entries.toLocaleString('en')})`, progress, wall, await runsOf(system, workflowId));
      console.log(`  for 100,000       ${seconds((wall / progress.screened) * 100_000)} at this rate`);
    }
    console.log(`\n# rescreen progress table: ${(await screeningStore(system).rescreens(5)).map((r) => `${r.trigger} ${r.status} ${r.screened}`).join('; ')}`);
    console.log(`# total ${seconds(performance.now() - started)}`);
  } finally {
    for (const step of teardown) await step().catch((err: Error) => console.error(`teardown: ${err.message}`));
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err);
    process.exit(1);
  },
);
