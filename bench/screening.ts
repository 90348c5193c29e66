import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { configSchema } from '../domain/config';
import { createDb, type Db } from '../infra/db';
import { BUNDLED_LISTS } from '../screening/bundled';
import { createListMatcher, type Subject } from '../screening/list-matcher';
import { loadList, readListFiles } from '../screening/load-list';
import { activeEntries, deltaOf } from '../screening/lists';
import { parseCsv } from '../screening/parsers/csv';
import { findCandidates, queryKeys, screenPerson, warmScreeningCache } from '../screening/screen-person';
import { type ListEntry } from '../screening/types';
import { createTestDatabase } from '../test/support/database';
import { buildLabelledSet, GIVEN_NAMES, type LabelledQuery, naturalOrder, random, syntheticCustomer } from './screening-variants';

// `npm run bench:screening`: how well and how fast the screening engine works on the bundled lists,
// with OpenSanctions' nomenklatura scoring the same queries as the reference. Prints tables only.
//
//   --persons N              listed people the labelled variants are made of (default 250)
//   --unrelated N            names of people not listed (default 600)
//   --seed N                 the labelled set and the synthetic customers (default 7)
//   --customers N            synthetic customers rescreened after a list update (default 100000)
//   --full-sample N          customers timed against all lists in force, extrapolated (default 5000)
//   --reference NAME         nomenklatura algorithm, or "none" (default logic-v1)
//   --reference-threshold X  its match threshold (default 0.7, yente's default)
//   --reference-candidates N candidates handed to it per query (default 50)

interface Options {
  persons: number;
  unrelated: number;
  seed: number;
  customers: number;
  fullSample: number;
  reference: string;
  referenceThreshold: number;
  referenceCandidates: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { persons: 250, unrelated: 600, seed: 7, customers: 100_000, fullSample: 5000, reference: 'logic-v1', referenceThreshold: 0.7, referenceCandidates: 50 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (flag === '--help' || value === undefined) {
      console.log('options: --persons N --unrelated N --seed N --customers N --full-sample N --reference logic-v1|name-based|none --reference-threshold X --reference-candidates N');
      process.exit(flag === '--help' ? 0 : 2);
    }
    const key = flag.replace(/^--/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof Options;
    if (!(key in options)) throw new Error(`unknown option ${flag}`);
    (options as unknown as Record<string, number | string>)[key] = key === 'reference' ? value : Number(value);
  }
  return options;
}

const threshold = configSchema.shape.SCREENING_MATCH_THRESHOLD.parse(process.env.SCREENING_MATCH_THRESHOLD);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);

// ------------------------------------------------------------------------------------------------

interface Outcome {
  query: LabelledQuery;
  engine: { matched: string[]; top: string | null; topMatch: boolean; candidates: string[] };
  reference?: { matched: string[]; top: string | null; topMatch: boolean };
  referenceCandidates: string[];
}

function referenceCandidate(entry: ListEntry) {
  return {
    id: entry.entryId,
    names: entry.names.filter((n) => n.quality === 'strong').map((n) => n.name),
    weakAliases: entry.names.filter((n) => n.quality === 'weak').map((n) => n.name),
    birthDates: entry.birthDates.flatMap((d) => ('date' in d ? [d.date] : [d.from, d.to])),
    countries: entry.countries,
    gender: entry.gender,
  };
}

async function runReference(python: string, algorithm: string, requests: object[]): Promise<Map<string, [string, number][]>> {
  const child = spawn(python, [path.join(__dirname, 'nomenklatura_reference.py'), algorithm], { stdio: ['pipe', 'pipe', 'inherit'] });
  const results = new Map<string, [string, number][]>();
  const reading = (async () => {
    for await (const line of createInterface({ input: child.stdout })) {
      const parsed = JSON.parse(line) as { id: string; scores: [string, number][] };
      results.set(parsed.id, parsed.scores);
    }
  })();
  for (const request of requests) {
    if (!child.stdin.write(`${JSON.stringify(request)}\n`)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  await reading;
  if (code !== 0) throw new Error(`the reference matcher exited with ${code}`);
  return results;
}

async function quality(db: Db, entries: ListEntry[], options: Options): Promise<void> {
  const byRowId = new Map(entries.map((e) => [e.rowId, e]));
  const queries = buildLabelledSet(entries, { seed: options.seed, persons: options.persons, unrelated: options.unrelated });
  const latencies: number[] = [];
  const candidateLatencies: number[] = [];
  const outcomes: Outcome[] = [];
  const referenceRequests: object[] = [];
  for (const query of queries) {
    const started = process.hrtime.bigint();
    const result = await screenPerson(db, query, { threshold, limit: 10 });
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    const keys = queryKeys(query);
    const candidatesStarted = process.hrtime.bigint();
    const engineCandidates = await findCandidates(db, keys);
    candidateLatencies.push(Number(process.hrtime.bigint() - candidatesStarted) / 1e6);
    const referenceCandidates = await findCandidates(db, keys, options.referenceCandidates);
    const top = result.hits[0];
    outcomes.push({
      query,
      engine: {
        matched: result.hits.filter((h) => h.match).map((h) => h.entryId),
        top: top?.entryId ?? null,
        topMatch: top?.match ?? false,
        candidates: engineCandidates.entryRowIds.map((id) => byRowId.get(id)?.entryId ?? id),
      },
      referenceCandidates: referenceCandidates.entryRowIds.map((id) => byRowId.get(id)?.entryId ?? id),
    });
    referenceRequests.push({
      id: query.id,
      query: { names: query.names, birthDates: query.dateOfBirth ? [query.dateOfBirth] : [], countries: query.countries ?? [] },
      candidates: referenceCandidates.entryRowIds.map((id) => byRowId.get(id)).filter((e): e is ListEntry => e !== undefined).map(referenceCandidate),
    });
  }

  const python = process.env.NOMENKLATURA_PYTHON;
  let referenceNote = `reference: nomenklatura ${options.reference}, threshold ${options.referenceThreshold}, the top ${options.referenceCandidates} candidates of our key index`;
  if (options.reference !== 'none' && python) {
    const started = Date.now();
    const scores = await runReference(python, options.reference, referenceRequests);
    referenceNote += ` (${((Date.now() - started) / 1000).toFixed(0)} s)`;
    for (const outcome of outcomes) {
      const list = [...(scores.get(outcome.query.id) ?? [])].sort((a, b) => b[1] - a[1]);
      outcome.reference = {
        matched: list.filter(([, s]) => s >= options.referenceThreshold).map(([id]) => id),
        top: list[0]?.[0] ?? null,
        topMatch: (list[0]?.[1] ?? 0) >= options.referenceThreshold,
      };
    }
  } else referenceNote = 'reference: not run (--reference none, or nomenklatura could not be installed)';

  const positives = outcomes.filter((o) => o.query.polarity === 'positive');
  const negatives = outcomes.filter((o) => o.query.polarity === 'negative');
  const found = (matched: string[], truth: string[]) => matched.some((id) => truth.includes(id));
  const top1 = (side: { top: string | null; topMatch: boolean } | undefined, truth: string[]) => !!side && side.topMatch && side.top !== null && truth.includes(side.top);
  const hasReference = outcomes.some((o) => o.reference);
  const refCell = (value: string) => (hasReference ? value : '-');

  const positiveRow = (label: string, group: Outcome[]) => [
    label,
    group.length,
    pct(group.filter((o) => found(o.engine.matched, o.query.truth)).length, group.length),
    refCell(pct(group.filter((o) => found(o.reference?.matched ?? [], o.query.truth)).length, group.length)),
    pct(group.filter((o) => top1(o.engine, o.query.truth)).length, group.length),
    refCell(pct(group.filter((o) => top1(o.reference, o.query.truth)).length, group.length)),
  ];
  const variants = (group: Outcome[]) => [...new Set(group.map((o) => o.query.variant))];
  console.log(`\n## Listed people (positives): recall and top-1 accuracy, engine threshold ${threshold}`);
  console.log(
    table(
      ['variant', 'n', 'recall', 'ref recall', 'top-1', 'ref top-1'],
      [
        ...variants(positives).map((v) => positiveRow(v, positives.filter((o) => o.query.variant === v))),
        positiveRow('name only', positives.filter((o) => o.query.context === 'name_only')),
        positiveRow('with dob+country', positives.filter((o) => o.query.context === 'with_dob_country')),
        positiveRow('all positives', positives),
      ],
    ),
  );
  const negativeRow = (label: string, group: Outcome[]) => [
    label,
    group.length,
    pct(group.filter((o) => o.engine.matched.length > 0).length, group.length),
    refCell(pct(group.filter((o) => (o.reference?.matched.length ?? 0) > 0).length, group.length)),
  ];
  console.log('\n## People not listed (negatives): false-positive rate (share with any match)');
  console.log(
    table(
      ['variant', 'n', 'FPR', 'ref FPR'],
      [
        ...variants(negatives).map((v) => negativeRow(v, negatives.filter((o) => o.query.variant === v))),
        negativeRow('name only', negatives.filter((o) => o.query.context === 'name_only')),
        negativeRow('with dob+country', negatives.filter((o) => o.query.context === 'with_dob_country')),
        negativeRow('all negatives', negatives),
      ],
    ),
  );
  const inEngine = positives.filter((o) => o.engine.candidates.some((id) => o.query.truth.includes(id))).length;
  const inReference = positives.filter((o) => o.referenceCandidates.some((id) => o.query.truth.includes(id))).length;
  console.log(`\n${referenceNote}`);
  console.log(`candidate recall (a true entry among the candidates): engine ${pct(inEngine, positives.length)} of 100, reference ${pct(inReference, positives.length)} of ${options.referenceCandidates}`);

  const row = (label: string, values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return [label, sorted.length, percentile(sorted, 50).toFixed(1), percentile(sorted, 95).toFixed(1), percentile(sorted, 99).toFixed(1), sorted[sorted.length - 1]!.toFixed(1)];
  };
  console.log('\n## One screening against the full lists (warm entry cache)');
  console.log(table(['', 'queries', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], [row('screenPerson', latencies), row('the candidate query alone', candidateLatencies)]));
}

// ------------------------------------------------------------------------------------------------

// A plausible next publication of the OFAC list: some entries changed, some new people listed,
// some delisted. The new people are copies of listed ones under another given name and birth date.
async function nextOfacPublication(rnd: () => number): Promise<{ dir: string; newNames: { name: string; dob: string }[] }> {
  const source = BUNDLED_LISTS.find((l) => l.source === 'ofac-sdn')!.paths[0]!;
  const [sdn, alt, add] = await Promise.all(['sdn.csv', 'alt.csv', 'add.csv'].map((f) => readFile(path.join(source, f), 'utf8')));
  const lines = sdn!.split('\n').filter((l) => l.trim() && l.trim() !== '\x1a');
  const individuals = lines.map((line, index) => ({ line, index })).filter(({ line }) => line.includes('"individual"'));
  const newNames: { name: string; dob: string }[] = [];
  const removed = new Set<string>();
  const quote = (field: string) => (field.trim() === '-0-' ? field : `"${field.replace(/"/g, '""')}"`);
  for (let i = 0; i < 60; i++) {
    const { line, index } = individuals[Math.floor(rnd() * individuals.length)]!;
    if (i < 40) {
      const fields = parseCsv(line, 'sdn.csv')[0]!.fields;
      const remarks = fields[11]!.trim() === '-0-' ? '' : `${fields[11]!.replace(/\.$/, '')}; `;
      fields[11] = `${remarks}a.k.a. 'BENCH ALIAS ${i}'.`;
      lines[index] = fields.map(quote).join(',');
    } else removed.add(line.split(',')[0]!);
  }
  const added: string[] = [];
  for (let i = 0; i < 20; i++) {
    const { line } = individuals[Math.floor(rnd() * individuals.length)]!;
    const fields = parseCsv(line, 'sdn.csv')[0]!.fields;
    const given = GIVEN_NAMES[Math.floor(rnd() * GIVEN_NAMES.length)]!;
    const family = fields[1]!.split(',')[0]!;
    const year = 1950 + Math.floor(rnd() * 40);
    const name = `${family}, ${given}`;
    fields[0] = String(990000 + i);
    fields[1] = name;
    fields[11] = `DOB 12 Mar ${year}.`;
    added.push(fields.map(quote).join(','));
    newNames.push({ name: naturalOrder(name), dob: `${year}-03-12` });
  }
  const keep = (text: string) => text.split('\n').filter((l) => !removed.has(l.split(',')[0]!)).join('\n');
  const dir = await mkdtemp(path.join(tmpdir(), 'screening-bench-ofac-'));
  await writeFile(path.join(dir, 'sdn.csv'), [...lines.filter((l) => !removed.has(l.split(',')[0]!)), ...added].join('\n') + '\n');
  await writeFile(path.join(dir, 'alt.csv'), keep(alt!));
  await writeFile(path.join(dir, 'add.csv'), keep(add!));
  return { dir, newNames };
}

async function rescreening(db: Db, options: Options): Promise<void> {
  const rnd = random(options.seed + 1);
  const { dir, newNames } = await nextOfacPublication(rnd);
  let started = Date.now();
  const loaded = await loadList(db, 'ofac-sdn', await readListFiles('ofac-sdn', [dir]));
  const loadMs = Date.now() - started;
  await rm(dir, { recursive: true, force: true });
  started = Date.now();
  const delta = await deltaOf(db, loaded.version.id);
  const deltaMs = Date.now() - started;

  const customers: Subject[] = [];
  for (let i = 0; i < options.customers; i++) customers.push(syntheticCustomer(rnd, i));
  // Customers who are the newly listed people: the rescreen must find them.
  const planted = new Set<string>();
  newNames.forEach((person, i) => {
    const at = Math.floor(((i + 0.5) / newNames.length) * customers.length);
    customers[at] = { subjectId: customers[at]!.subjectId, names: [person.name], dateOfBirth: person.dob };
    planted.add(customers[at]!.subjectId);
  });

  started = Date.now();
  const matcher = createListMatcher(delta.entries, { threshold });
  const buildMs = Date.now() - started;
  started = Date.now();
  let flagged = 0;
  let plantedFound = 0;
  for (let i = 0; i < customers.length; i += 1000) {
    for (const result of matcher.screen(customers.slice(i, i + 1000))) {
      if (result.hits.length === 0) continue;
      flagged++;
      if (planted.has(result.subjectId)) plantedFound++;
    }
  }
  const screenMs = Date.now() - started;

  const all = await activeEntries(db);
  started = Date.now();
  const fullMatcher = createListMatcher(all, { threshold });
  const fullBuildMs = Date.now() - started;
  const sample = customers.slice(0, options.fullSample);
  started = Date.now();
  const fullFlagged = fullMatcher.screen(sample).filter((r) => r.hits.length > 0).length;
  const fullMs = Date.now() - started;

  console.log(`\n## Rescreening ${customers.length} synthetic customers after an OFAC update (in memory, batches of 1000)`);
  console.log(
    table(
      ['step', 'figure'],
      [
        ['update loaded (entries added/changed/removed)', `${loaded.version.addedCount}/${loaded.version.changedCount}/${loaded.version.removedCount} in ${loadMs} ms`],
        ['deltaOf (entries to screen)', `${delta.entries.length} in ${deltaMs} ms`],
        ['index of the delta built', `${matcher.entryCount} people in ${buildMs} ms`],
        [`${customers.length} customers screened against the delta`, `${(screenMs / 1000).toFixed(1)} s (${((customers.length / screenMs) * 1000).toFixed(0)} customers/s)`],
        ['customers flagged', `${flagged} (${plantedFound} of the ${planted.size} planted newly listed people)`],
        ['index of all lists in force built', `${fullMatcher.entryCount} people in ${fullBuildMs} ms`],
        [`full rescreen, ${sample.length} customers measured`, `${(fullMs / 1000).toFixed(1)} s, ${fullFlagged} flagged; ${customers.length} extrapolate to ${((fullMs / sample.length) * customers.length / 60000).toFixed(1)} min`],
      ],
    ),
  );
}

// ------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const database = await createTestDatabase();
  const db = createDb(database.url, 4);
  try {
    console.log(`# screening benchmark: seed ${options.seed}, engine threshold ${threshold}, ${new Date().toISOString()}`);
    const loads: (string | number)[][] = [];
    for (const { source, paths } of BUNDLED_LISTS) {
      const started = Date.now();
      const result = await loadList(db, source, await readListFiles(source, paths));
      loads.push([source, result.version.entryCount, Date.now() - started]);
    }
    const started = Date.now();
    const warmed = await warmScreeningCache(db);
    loads.push(['entry cache warmed (people)', warmed, Date.now() - started]);
    console.log('\n## Bundled lists loaded into PostgreSQL');
    console.log(table(['list', 'entries', 'ms'], loads));
    await quality(db, await activeEntries(db, { entityType: 'person' }), options);
    await rescreening(db, options);
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
