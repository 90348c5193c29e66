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
  { files: ['events/**/*.ts'], patterns: [contractsOnly('The event side knows workflows by their contracts (and their types).'), above('The event side imports no API, web, worker or activity code.', 'api', 'web', 'worker', 'activities', 'scripts', 'simulator')] },
  { files: ['web/**/*.ts'], patterns: [contractsOnly('Web pages know workflows by their contracts only.'), above('Web pages import contracts and domain code, never the API or the stores.', 'api', 'activities', 'store', 'vendors', 'infra', 'worker', 'scripts', 'simulator')] },
  { files: ['api/**/*.ts'], patterns: [contractsOnly('The API knows workflows by their contracts (and their types).'), above('The API does not import the worker, the activities, scripts or the simulator.', 'activities', 'worker', 'scripts', 'simulator')] },
];

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
  {
    // store/users.ts is the one writer of users.role, each change with its trail entry: a role
    // written anywhere else would change who may do what with nobody on record. Tests and
    // benchmarks arrange their own data.
    files: ['**/*.ts'],
    ignores: ['store/users.ts', 'test/**', 'bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.property.name='user'][callee.property.name=/^(create|createMany|update|updateMany|upsert)$/] Property[key.name='role']",
          message: 'users.role is written by store/users.ts only (with its user_audit_events entry).',
        },
        {
          selector: 'TemplateElement[value.raw=/(INSERT\\s+INTO|UPDATE)\\s+"?users"?[\\s(][^;]*\\brole\\b/i]',
          message: 'users.role is written by store/users.ts only (with its user_audit_events entry).',
        },
      ],
    },
  },
  {
    // Workflow and domain code is replayed: it must stay deterministic.
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'fetch', message: 'No I/O in workflows.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Not deterministic.' }],
    },
  },
);
