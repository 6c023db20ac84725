// ESLint flat config: typescript-eslint type-aware rules; `any` is an error in the core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// One Kafka adapter (lib/src/kafka): the product's code never talks to the client library directly.
const KAFKA_ADAPTER = { name: 'kafkajs', message: 'import Kafka from lib/src/kafka/client (the one adapter)' };

/** The import restrictions of one folder: what it must not import, and kafkajs outside lib. */
function layer(files, forbidden, { regex, kafkaAllowed = false }) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: kafkaAllowed ? [] : [KAFKA_ADAPTER],
          patterns:
            regex === undefined ? [] : [{ regex, message: `layering: this folder must not import ${forbidden}` }],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.services/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  // Layering (README "Data flow"): schema ← lib ← collectors / analyzer ← cli / console. A
  // package may import only the layers below it; the one-process jobs that join collectors and
  // analyzer live at the edge (cli/src/jobs). One block per folder, because a later
  // `no-restricted-imports` replaces an earlier one rather than adding to it.
  layer(['schema/**/*.ts'], 'anything outside schema/ (the contract depends on nothing)', {
    regex: '^(?!node:)[^.]|^(\\.\\./)+(lib|collectors|analyzer|cli|console|bench|test|signatures|scripts)/',
  }),
  layer(['lib/**/*.ts'], 'collectors, analyzer, cli or console (lib is shared by them)', {
    regex: '^(\\.\\./)+(collectors|analyzer|cli|console)/',
    kafkaAllowed: true,
  }),
  layer(['collectors/**/*.ts'], 'analyzer, cli or console (collectors feed the analyzer only through events)', {
    regex: '^(\\.\\./)+(analyzer|cli|console)/',
  }),
  layer(['analyzer/**/*.ts'], 'collectors, cli or console (compose decode + detect in cli/src/jobs)', {
    regex: '^(\\.\\./)+(collectors|cli|console)/',
  }),
  layer(['console/**/*.ts'], 'collectors or cli (the console reads alerts and calls, not packets)', {
    regex: '^(\\.\\./)+(collectors|cli)/',
  }),
  // cli is the edge: it may import every layer, only not kafkajs directly.
  layer(['cli/**/*.ts'], '', {}),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
