import js from '@eslint/js'
import jest from 'eslint-plugin-jest'
import tseslint from 'typescript-eslint'

// The emulators are test and demo tooling: what ships (src/) must never pull them into the bundle.
const NO_EMULATORS = {
  group: ['**/emulators/**', '**/emulators'],
  message: 'src/ is what ships; the emulators are test and demo tooling (README "Layout").'
}

// src/review/ is the pure logic (chunking, prompts, rendering...): I/O and the outside parties sit in
// src/github/, src/rivya/ and the pipeline, so review code is tested without any server or stand-in.
// Their types are welcome (`import type`); their values are not.
const PURE_REVIEW = {
  paths: [
    { name: 'undici', message: 'src/review/ is pure: HTTP is done in src/github/ and src/rivya/.' },
    ...['http', 'https', 'net', 'fs', 'fs/promises', 'child_process'].flatMap(name =>
      [name, `node:${name}`].map(spelling => ({ name: spelling, message: 'src/review/ is pure: no I/O.' }))
    )
  ],
  patterns: [
    NO_EMULATORS,
    {
      group: ['@actions/*', '@octokit/*'],
      message: 'src/review/ is pure: GitHub is reached from src/github/.'
    },
    {
      group: [
        '../github/*',
        '../rivya/client',
        '../rivya/client.js',
        '../rivya/session',
        '../rivya/session.js'
      ],
      allowTypeImports: true,
      message: 'src/review/ is pure: it may name these types (`import type`), not call them.'
    }
  ]
}

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The bundle's tsconfig.json holds only src/; tests and scripts are checked through tsconfig.all.json.
        project: './tsconfig.all.json',
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A switch over a union names every member, so a new member is a compile-time question
      // everywhere it matters; `default` stays allowed where the rest truly is one case.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false }
      ],
      'no-nested-ternary': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off'
    }
  },
  {
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_EMULATORS] }] }
  },
  {
    files: ['src/review/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', PURE_REVIEW] }
  },
  {
    files: ['__tests__/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      // Helpers named expect… assert (expectNotFound, expectDocumented); fc.assert runs a property.
      'jest/expect-expect': ['warn', { assertFunctionNames: ['expect', 'expect*', 'fc.assert'] }],
      // Property tests branch on the generated input (a finding is commentable or not, a turn
      // retried or not) and check each branch: the rule would push those checks out of the test.
      'jest/no-conditional-expect': 'off'
    }
  },
  {
    files: ['*.js', 'scripts/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked]
  }
)
