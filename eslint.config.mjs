import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'worker_threads', 'dns', 'tls', 'url', 'util', 'stream', 'zlib', 'timers'];
const noNodeApis = nodeBuiltins.flatMap((name) => [name, `node:${name}`]).map((name) => ({ name, message: 'No Node APIs in deterministic code.' }));

// The layers, and the folders each may not import from (data flows one way: api -> use case ->
// workflow -> activities -> store -> database; docs/architecture.md). A folder of a layer may
// import its own layer and the ones below it. The patterns match relative imports only, so
// packages such as @temporalio/worker are not taken for the worker/ folder.
const relativeTo = (names) => `^(\\.\\.?/)+(${names.join('|')})(/|$)`;
const above = (message, ...names) => ({ regex: relativeTo(names), message });
const contractsOnly = (message) => ({ regex: '^(\\.\\.?/)+workflows/(?![^/]+\\.contract$)', allowTypeImports: true, message });

const layers = [
  {
    files: ['domain/**/*.ts'],
    paths: noNodeApis,
    patterns: [above('domain/ is pure: it imports nothing but domain/ and libraries.', 'workflows', 'activities', 'store', 'vendors', 'infra', 'api', 'web', 'worker', 'scripts', 'simulator', 'generated')],
  },
  {
    files: ['workflows/**/*.ts'],
    paths: [
      ...noNodeApis,
      { name: '@prisma/client', message: 'No database access in deterministic code.' },
      { name: 'express', message: 'No HTTP in deterministic code.' },
      { name: 'pg', message: 'No database access in deterministic code.' },
    ],
    patterns: [
      { regex: relativeTo(['activities']), allowTypeImports: true, message: 'Workflows import only the types of activities.' },
      above('Workflows are deterministic: no store, vendor, plumbing or HTTP code.', 'store', 'vendors', 'infra', 'api', 'web', 'worker', 'scripts', 'simulator', 'generated'),
    ],
  },
  { files: ['infra/**/*.ts'], patterns: [above('infra/ is plumbing: it imports no layer above it.', 'workflows', 'activities', 'store', 'vendors', 'api', 'web', 'worker', 'scripts', 'simulator')] },
  { files: ['vendors/**/*.ts'], patterns: [above('A vendor adapter talks to its vendor only: no store, workflow or API code.', 'workflows', 'activities', 'store', 'api', 'web', 'worker', 'scripts', 'simulator')] },
  { files: ['store/**/*.ts'], patterns: [above('The store is the bottom layer over the database.', 'workflows', 'activities', 'vendors', 'api', 'web', 'worker', 'scripts', 'simulator')] },
  { files: ['activities/**/*.ts'], patterns: [contractsOnly('Activities know workflows by their contracts only.'), above('Activities import no layer above them.', 'api', 'web', 'worker', 'scripts', 'simulator')] },
  { files: ['document-check/**/*.ts'], patterns: [above('The document-check engine is pure compute over images: no database, workflow, API or vendor code.', 'workflows', 'activities', 'store', 'api', 'web', 'worker', 'scripts', 'simulator', 'events', 'vendors', 'screening')] },
  { files: ['screening/**/*.ts'], patterns: [above('The screening engine works on lists and on what it is given: no workflow, activity, API or store code.', 'workflows', 'activities', 'store', 'api', 'web', 'worker', 'scripts', 'simulator', 'events', 'vendors')] },
  {
    files: ['events/**/*.ts'],
    patterns: [
      contractsOnly('The event side knows workflows by their contracts (and their types).'),
      above('The event side imports no API, web, worker or activity code.', 'api', 'web', 'worker', 'activities', 'scripts', 'simulator'),
      { regex: relativeTo(['generated']), allowTypeImports: true, message: 'The event side knows the database client by its types only: queries live in store/.' },
    ],
  },
  { files: ['web/**/*.ts'], patterns: [contractsOnly('Web pages know workflows by their contracts only.'), above('Web pages import contracts and domain code, never the API or the stores.', 'api', 'activities', 'store', 'vendors', 'infra', 'worker', 'scripts', 'simulator', 'generated')] },
  {
    files: ['api/**/*.ts'],
    patterns: [
      contractsOnly('The API knows workflows by their contracts (and their types).'),
      above('The API does not import the worker, the activities, scripts or the simulator.', 'activities', 'worker', 'scripts', 'simulator'),
      { regex: relativeTo(['generated']), allowTypeImports: true, message: 'The API knows the database client by its types only: queries live in store/.' },
    ],
  },
];

const OWNED_STATE = [
  {
    owner: 'store/users.ts',
    message: 'users.role is written by store/users.ts only (with its user_audit_events entry).',
    selectors: [
      "CallExpression[callee.object.property.name='user'][callee.property.name=/^(create|createMany|update|updateMany|upsert)$/] Property[key.name='role']",
      'TemplateElement[value.raw=/(INSERT\\s+INTO|UPDATE)\\s+"?users"?[\\s(][^;]*\\brole\\b/i]',
    ],
  },
  {
    owner: 'store/records.ts',
    message: 'kyc_records.status is written by store/records.ts only (transition, or a compensation or withdrawal through moveIn), checked against domain/status.ts.',
    selectors: [
      "CallExpression[callee.object.property.name='kycRecord'][callee.property.name=/^(create|createMany|update|updateMany|upsert)$/] Property[key.name='status']",
      'TemplateElement[value.raw=/(INSERT\\s+INTO\\s+"?kyc_records"?[\\s(][^;]*\\bstatus\\b|UPDATE\\s+"?kyc_records"?\\s[^;]*\\bSET\\b[^;]*\\bstatus\\s*=)/i]',
    ],
  },
  {
    owner: 'store/wallets.ts',
    message: 'wallets are written by store/wallets.ts only (openWallet, upgradeForApproval, rollBackUpgrade, restrictWallet, liftRestriction).',
    selectors: [
      "CallExpression[callee.object.property.name='wallet'][callee.property.name=/^(create|createMany|update|updateMany|upsert|delete|deleteMany)$/]",
      "Property[key.name='wallet'] > ObjectExpression > Property[key.name=/^(create|update|upsert|connectOrCreate)$/]",
      'TemplateElement[value.raw=/(INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+"?wallets"?[\\s(]/i]',
    ],
  },
];

// The HTTP side, the pages and the event side reach the database through the stores only: no
// Prisma call, no SQL (the outbox leader's advisory lock on its own connection is plumbing).
const NO_DATABASE = {
  files: ['api/**/*.ts', 'web/**/*.ts', 'events/**/*.ts'],
  message: 'api/, web/ and events/ reach the database through store/ only (data flows API -> use case -> workflow -> activities -> store).',
  selectors: [
    "CallExpression[callee.property.name=/^(findMany|findUnique|findFirst|findUniqueOrThrow|findFirstOrThrow|create|createMany|createManyAndReturn|update|updateMany|upsert|delete|deleteMany|count|aggregate|groupBy)$/][callee.object.type='MemberExpression'][callee.object.object.name=/^(db|tx|prisma|keyStore)$/]",
    "MemberExpression[property.name=/^\\$(queryRaw|executeRaw|queryRawUnsafe|executeRawUnsafe|transaction)$/]",
    "MemberExpression[object.name='Prisma'][property.name=/^(sql|raw|join)$/]",
  ],
};

/** For every file, the writes of the state it does not own are refused (one block per owner, one for everyone else), and api/ and web/ get no database. */
function ownedStateRules() {
  const restrictions = (entries) => ['error', ...entries.flatMap(({ selectors, message }) => selectors.map((selector) => ({ selector, message })))];
  const unowned = ['test/**', 'bench/**'];
  return [
    { files: ['**/*.ts'], ignores: [...OWNED_STATE.map((entry) => entry.owner), ...NO_DATABASE.files, ...unowned], rules: { 'no-restricted-syntax': restrictions(OWNED_STATE) } },
    { files: NO_DATABASE.files, rules: { 'no-restricted-syntax': restrictions([...OWNED_STATE, NO_DATABASE]) } },
    ...OWNED_STATE.map((entry) => ({ files: [entry.owner], rules: { 'no-restricted-syntax': restrictions(OWNED_STATE.filter((other) => other !== entry)) } })),
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'generated/', '.tools/', '.data/', 'dist/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  ...layers.map(({ files, paths = [], patterns }) => ({ files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } })),
  // One writer per piece of state: each is written by its owner alone, so its rules are stated
  // and checked once. users.role: store/users.ts, each change with its trail entry (a role written
  // anywhere else would change who may do what with nobody on record). kyc_records.status:
  // store/records.ts, every move checked against the status machine (domain/status.ts). wallets:
  // store/wallets.ts, whose functions other stores call in their transaction. Tests and benchmarks
  // arrange their own data.
  ...ownedStateRules(),
  {
    // Workflow and domain code is replayed: it must stay deterministic.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'fetch', message: 'No I/O in workflows.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Not deterministic.' }],
    },
  },
);
