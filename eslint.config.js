// Lint, including the layering rules of docs/architecture.md: who may import whom.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const drivers = ['better-sqlite3', 'pg', 'imapflow', 'smtp-server', 'nodemailer'];
const ioModules = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises',
  'net', 'node:net', 'tls', 'node:tls', 'dns', 'node:dns', 'dns/promises', 'node:dns/promises',
  'http', 'node:http', 'https', 'node:https', 'child_process', 'node:child_process',
  'worker_threads', 'node:worker_threads', 'process', 'node:process', 'os', 'node:os',
];
const upperLayers = ['**/cli/**', '**/server/**'];
const appLayer = ['**/app/**'];
const adapterLayers = ['**/store/**', '**/ingest/**', '**/notify/**', '**/dns/**', '**/network/**'];
const analysisLayers = ['**/evaluate/**', '**/analysis/**'];

/** no-restricted-imports options for one layer. */
function layer(paths, patterns, why) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: paths.map((name) => ({ name, message: why })),
        patterns: patterns.length ? [{ group: patterns, message: why }] : [],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/out/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // `KnownWord | string` documents the expected values while keeping unknown ones.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use a literal union or `as const`, not enum (docs/architecture.md).' }],
    },
  },
  {
    // No import cycles between modules (type-only imports aside; the layer rules below keep
    // folders from importing each other in both directions, types included).
    files: ['src/**/*.ts', 'test/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // node:test's test() returns a promise the runner tracks itself.
    files: ['**/*.test.ts', 'test/**/*.ts', 'src/**/*-contract.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly' },
    },
  },
  // 1. core imports nothing from src/ outside itself, and does no I/O.
  {
    files: ['src/core/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer([...ioModules, ...drivers], ['**/records/**', '**/reports/**', ...analysisLayers, ...adapterLayers, ...upperLayers], 'core depends on nothing else in src/ and does no I/O (docs/architecture.md, layering 1).'),
  },
  // 2. records/ and reports/ are pure: no fs, net, dns, process, workers or drivers.
  //    node:zlib and node:buffer are computation, not I/O, and are allowed (unpacking).
  {
    files: ['src/records/**/*.ts', 'src/reports/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer([...ioModules, ...drivers], [...analysisLayers, ...adapterLayers, ...upperLayers], 'records/ and reports/ are pure: no I/O, no drivers, no upper layers (docs/architecture.md, layering 2).'),
  },
  // 3. evaluate/ and analysis/ see interfaces only (store/store.ts, not its implementations).
  {
    files: ['src/evaluate/**/*.ts', 'src/analysis/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer(
      [...ioModules, ...drivers],
      ['**/store/**', '!**/store/store.js', '**/ingest/**', '**/notify/**', '**/dns/**', '**/network/**', ...appLayer, ...upperLayers],
      'evaluate/ and analysis/ see only interfaces (Resolver, Clock, store/store.ts), never an implementation or a driver (docs/architecture.md, layering 3).',
    ),
  },
  // 4/5. adapters never import the application core or the composition roots.
  {
    files: ['src/store/**/*.ts', 'src/ingest/**/*.ts', 'src/notify/**/*.ts', 'src/dns/**/*.ts', 'src/network/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer([], [...analysisLayers, ...appLayer, ...upperLayers], 'adapters must not import evaluate/, analysis/, app/, cli/ or server/ (docs/architecture.md, layering 5).'),
  },
  // 6. app/ is the application core: it sees the store, the resolver and the sources through
  //    their interfaces. Only open-app.ts chooses and wires adapters (store implementations, the
  //    node:dns resolver, the HTTPS fetcher, the network database); no app file imports a driver.
  {
    files: ['src/app/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-helper.ts', 'src/app/open-app.ts'],
    rules: layer(
      drivers,
      ['**/store/sqlite/**', '**/store/postgres/**', '**/store/open-store*', '**/dns/**', '**/network/**', '**/ingest/imap/imap-client*', '**/ingest/smtp/smtp-listener.*', ...upperLayers],
      'app/ sees adapters only through interfaces; open-app.ts alone wires them in (docs/architecture.md).',
    ),
  },
  {
    files: ['src/app/open-app.ts'],
    rules: layer(drivers, upperLayers, 'open-app.ts wires adapters, never drivers directly (docs/architecture.md).'),
  },
  // 7. cli/ and server/ are composition roots over the application core: they call app/ and
  //    start adapters (listeners, mailbox sources), never the store, analysis or evaluation directly.
  {
    files: ['src/cli/**/*.ts', 'src/server/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: layer(
      drivers,
      ['**/store/**', '**/analysis/**', '**/evaluate/**', '**/dns/**', '**/network/**'],
      'cli/ and server/ call app/, never store/, analysis/, evaluate/, dns/ or network/ directly (docs/architecture.md).',
    ),
  },
  // 8. Everything cli/ and server/ print goes through cli/output.ts, which makes report and DNS
  //    text safe for a terminal (core/safe-text.ts); nothing writes to the process's streams itself.
  {
    files: ['src/cli/**/*.ts', 'src/server/**/*.ts'],
    ignores: ['**/*.test.ts', 'src/cli/output.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a literal union or `as const`, not enum (docs/architecture.md).' },
        {
          selector: "MemberExpression[object.type='MemberExpression'][object.object.name='process'][object.property.name=/^(stdout|stderr)$/][property.name='write']",
          message: 'Print through cli/output.ts (printOut, printErr, printJson), which makes report and DNS text safe for a terminal.',
        },
      ],
    },
  },
);
