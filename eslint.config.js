import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** The house rules of layering (docs/architecture.md), as import restrictions per folder. */
const forbid = (files, patterns) => ({
	files,
	rules: {
		'@typescript-eslint/no-restricted-imports': [
			'error',
			{patterns: patterns.map(({group, message, types}) => ({group, message, allowTypeImports: types ?? false}))},
		],
	},
});

const CLI = {group: ['**/cli', '**/cli.tsx'], message: 'Nothing imports cli.tsx: it only parses arguments.'};
const UI = {group: ['**/ui/**', '**/ui'], message: 'Steps and services never import the UI: emit events instead.'};
const REACT = {group: ['react', 'react/*', 'ink', 'ink-*', '@inkjs/*'], message: 'Only source/ui/ink renders: no React or Ink here.'};

export default tseslint.config(
	{ignores: ['dist/', 'coverage/', 'node_modules/', 'test/fixtures/', 'docs/']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: {globals: globals.node},
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
			'@typescript-eslint/consistent-type-imports': ['error', {fixStyle: 'inline-type-imports'}],
			'no-constant-condition': ['error', {checkLoops: false}],
		},
	},
	{
		// Two type-checked rules: a promise nobody awaits loses its error, and one handed where a plain
		// value is expected (an if, an event handler) is always truthy or never awaited.
		files: ['cli.tsx', 'source/**', 'scripts/**', 'test/**'],
		languageOptions: {
			parserOptions: {
				// The .mjs scripts are outside tsconfig.json (no allowJs): they get its options in a default project.
				projectService: {allowDefaultProject: ['scripts/*.mjs']},
				tsconfigRootDir: import.meta.dirname,
			},
		},
		rules: {
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-misused-promises': 'error',
		},
	},
	forbid(['source/**'], [CLI]),
	forbid(
		['source/ui/**'],
		[{group: ['**/services/**', '**/services'], message: 'The UI never imports a service: it renders events.'}, CLI],
	),
	forbid(['source/services/**'], [UI, REACT, CLI]),
	forbid(['source/steps/**', 'source/images/**'], [UI, REACT, CLI]),
	forbid(
		['source/workflow/**'],
		[
			{group: ['**/services/**'], message: 'The workflow reaches services only through their interfaces (type imports).', types: true},
			UI,
			REACT,
			CLI,
		],
	),
	forbid(['test/**'], [CLI]),
	prettier,
);
