import { type Client } from '@temporalio/client';
import { loadConfig, type Config } from '../domain/config';
import { KeyRing, PiiCipher } from '../infra/crypto';
import { createDb, type Db } from '../infra/db';
import { connectTemporalClient } from '../infra/temporal';
import { ensureBundledLists } from '../screening/bundled';
import { loadList, readListFiles } from '../screening/load-list';
import { deltaOf, listVersions } from '../screening/lists';
import { ListLoadError } from '../screening/parsers/list-errors';
import { refreshLists } from '../screening/refresh-lists';
import { screeningSearchRequestSchema, searchScreening } from '../screening/search-contract';
import { SCREENING_SOURCES } from '../screening/types';
import { createStores, keyStoreDb } from '../store';
import { startPendingRescreen } from '../worker/screening';
import { screeningRescreen } from '../workflows/screening-monitor';
import { SCREENING_SCHEDULE_IDS, screeningCaseSettings } from '../workflows/screening-monitor.contract';

// Sanctions and PEP lists by hand:
//
//   npm run screening -- load <source> <file...> [--allow-shrink]   load a publication as a new version
//   npm run screening -- lists                                       the versions, newest first
//   npm run screening -- delta <versionId>                           what a version added, changed, removed
//   npm run screening -- refresh                                     load every SCREENING_SOURCES source
//   npm run screening -- bundled                                     load the bundled copies where no version exists
//   npm run screening -- search <name> [--dob YYYY[-MM-DD]] [--country XX]
//   npm run screening -- rescreen [--full]                           rescreen approved customers now
//   npm run screening -- rescreens                                   the rescreens and their progress
//
// A load (by hand, refresh or bundled) starts the rescreen of every approved customer against what
// the new versions added or changed, through the running Temporal (TEMPORAL_ADDRESS); when it
// cannot be reached the daily refresh, or `rescreen`, starts it later. `rescreen --full` screens
// everyone against every entry in force, as the periodic schedule does.
//
// Sources: ofac-sdn (a folder holding sdn.csv, alt.csv and add.csv, or the three files), un-sc (the
// consolidated XML), opensanctions (entities.ftm.json or a delta file). Add --json for
// machine-readable output. Reads DATABASE_URL (without it: the database of a running `npm start`).
// A refused load exits with 1 and leaves the version in force.

const USAGE = `usage: npm run screening -- load <${SCREENING_SOURCES.join('|')}> <file...> [--allow-shrink] | lists | delta <versionId> | refresh | bundled | search <name> [--dob D] [--country XX] | rescreen [--full] | rescreens   [--json]`;

class UsageError extends Error {}

interface Options {
  command: string;
  positional: string[];
  json: boolean;
  allowShrink: boolean;
  full: boolean;
  dob?: string;
  country?: string;
}

function parseArgs(argv: string[]): Options {
  const [command = 'help', ...rest] = argv;
  const options: Options = { command, positional: [], json: false, allowShrink: false, full: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json') options.json = true;
    else if (arg === '--allow-shrink') options.allowShrink = true;
    else if (arg === '--full') options.full = true;
    else if (arg === '--dob' || arg === '--country') {
      const value = rest[++i];
      if (!value) throw new UsageError(`${arg} needs a value`);
      if (arg === '--dob') options.dob = value;
      else options.country = value;
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else options.positional.push(arg);
  }
  return options;
}

function databaseUrl(config: Config): string {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  const port = Number(process.env.KYC_EMBEDDED_PG_PORT ?? 55432);
  process.stderr.write(`DATABASE_URL is not set: using the embedded database of npm start on port ${port}\n`);
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

type Version = Awaited<ReturnType<typeof listVersions>>[number];
const versionRow = (v: Version) => [v.id, v.source, v.loadedAt.toISOString(), v.entryCount, v.addedCount, v.changedCount, v.removedCount, v.publisherVersion, v.fileHash.slice(0, 12)];
const VERSION_HEADERS = ['version', 'source', 'loaded', 'entries', 'added', 'changed', 'removed', 'publisher version', 'file hash'];

// The rescreen after a load, through the Temporal the worker listens to; a load stays loaded when
// Temporal cannot be reached (the daily refresh starts the rescreen then).
async function rescreenAfterLoad(db: Db, config: Config, json: boolean): Promise<void> {
  let client: Client;
  try {
    client = await connectTemporalClient(config);
  } catch {
    if (!json) console.log(`Temporal is not reachable at ${config.TEMPORAL_ADDRESS}: the rescreen starts with the next refresh, or run: npm run screening -- rescreen`);
    return;
  }
  try {
    const workflowId = await startPendingRescreen(client, storeOf(db, config), config);
    if (!json) console.log(workflowId ? `rescreen of the approved customers started: ${workflowId}` : 'no list version awaits a rescreen');
  } finally {
    await client.connection.close();
  }
}

const storeOf = (db: Db, config: Config) =>
  createStores(db, { cipher: new PiiCipher(new KeyRing(config.KYC_PII_KEYS), config.KYC_PII_HASH_KEY), keyStore: keyStoreDb(config, db), amlRetentionYears: config.KYC_AML_RETENTION_YEARS }).screening;

async function run(db: Db, config: Config, options: Options): Promise<number> {
  switch (options.command) {
    case 'load': {
      const [source, ...files] = options.positional;
      if (!source || files.length === 0) throw new UsageError('load needs a source and at least one file');
      const started = Date.now();
      const result = await loadList(db, source, await readListFiles(source, files), { allowShrink: options.allowShrink });
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else {
        console.log(result.status === 'unchanged' ? `${source}: same files as version ${result.version.id}, nothing loaded` : `${source}: loaded in ${Date.now() - started} ms`);
        console.log(table(VERSION_HEADERS, [versionRow(result.version)]));
      }
      await rescreenAfterLoad(db, config, options.json);
      return 0;
    }
    case 'lists': {
      const versions = await listVersions(db, { limit: 100 });
      if (options.json) console.log(JSON.stringify(versions, null, 2));
      else console.log(versions.length ? table(VERSION_HEADERS, versions.map(versionRow)) : 'no list loaded yet');
      return 0;
    }
    case 'delta': {
      const [versionId] = options.positional;
      if (!versionId) throw new UsageError('delta needs a version id');
      const delta = await deltaOf(db, versionId);
      if (options.json) console.log(JSON.stringify(delta, null, 2));
      else {
        console.log(table(VERSION_HEADERS, [versionRow(delta.version)]));
        console.log(table(['change', 'entry', 'kind', 'type', 'name'], [...delta.entries.map((e) => [e.change, e.entryId, e.kind, e.entityType, e.name]), ...delta.removedEntryIds.map((id) => ['removed', id, null, null, null])]));
      }
      return 0;
    }
    case 'refresh': {
      if (config.SCREENING_SOURCES.length === 0) throw new UsageError('SCREENING_SOURCES is empty: nothing to refresh');
      const outcomes = await refreshLists(db, config.SCREENING_SOURCES, { allowShrink: options.allowShrink });
      if (options.json) console.log(JSON.stringify(outcomes, null, 2));
      else for (const o of outcomes) console.log(o.ok ? `${o.source}: ${o.result.status} (version ${o.result.version.id}, ${o.result.version.entryCount} entries)` : `${o.source}: refused: ${o.error}`);
      await rescreenAfterLoad(db, config, options.json);
      return outcomes.every((o) => o.ok) ? 0 : 1;
    }
    case 'bundled': {
      const statuses = await ensureBundledLists(db);
      if (options.json) console.log(JSON.stringify(statuses, null, 2));
      else console.log(table(['source', 'status', 'version'], statuses.map((s) => [s.source, s.status, s.versionId])));
      await rescreenAfterLoad(db, config, options.json);
      return 0;
    }
    case 'rescreen': {
      const client = await connectTemporalClient(config);
      try {
        if (!options.full) {
          const workflowId = await startPendingRescreen(client, storeOf(db, config), config);
          console.log(workflowId ? `rescreen started: ${workflowId}` : 'no list version awaits a rescreen (use --full to rescreen against every entry in force)');
          return 0;
        }
        const workflowId = `${SCREENING_SCHEDULE_IDS.fullRescreen}-manual-${new Date().toISOString()}`;
        await client.workflow.start(screeningRescreen, { workflowId, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [{ trigger: 'periodic', listVersionIds: [], settings: screeningCaseSettings(config) }] });
        console.log(`full rescreen started: ${workflowId}`);
        return 0;
      } finally {
        await client.connection.close();
      }
    }
    case 'rescreens': {
      const rescreens = await storeOf(db, config).rescreens(20);
      if (options.json) console.log(JSON.stringify(rescreens, null, 2));
      else console.log(rescreens.length ? table(['workflow', 'trigger', 'status', 'screened', 'with hits', 'cases', 'batches', 'started', 'updated'], rescreens.map((r) => [r.workflowId, r.trigger, r.status, r.screened, r.withHits, r.casesOpened, r.batches, r.startedAt.toISOString(), r.updatedAt.toISOString()])) : 'no rescreen yet');
      return 0;
    }
    case 'search': {
      const parsed = screeningSearchRequestSchema.safeParse({
        name: options.positional.join(' '),
        ...(options.dob ? { date_of_birth: options.dob } : {}),
        ...(options.country ? { country: options.country } : {}),
      });
      if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const response = await searchScreening(db, parsed.data, config.SCREENING_MATCH_THRESHOLD);
      if (options.json) console.log(JSON.stringify(response, null, 2));
      else console.log(table(['entry', 'kind', 'score', 'match', 'matched name'], response.hits.map((h) => [h.entry_id, h.kind, h.score.toFixed(3), h.match ? 'yes' : 'no', h.matched_name])));
      return 0;
    }
    default:
      throw new UsageError(options.command === 'help' ? '' : `unknown command ${options.command}`);
  }
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig(process.env);
  const db = createDb(databaseUrl(config), 2);
  try {
    return await run(db, config, options);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof ListLoadError) {
      console.error(`load refused, the version in force stays: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
