import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import {createNodeResolver, importX} from 'eslint-plugin-import-x';

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
const REACT = {group: ['react', 'react/*', 'ink', 'ink-*', '@inkjs/*'], message: 'Only source/ui/ink renders: no React or Ink here.'};

/**
 * The floors of source/ (docs/architecture.md), lowest first. Each floor imports only the floors
 * it names; `types` are floors it may import types from, never values. commands/ may import every
 * floor, and nothing but cli.tsx imports commands/.
 */
const FLOORS = {
	core: {imports: [], types: ['config'], says: 'core is the ground: it imports no other floor of source/ (types of config/ only).'},
	convox: {imports: ['core'], says: 'convox/ holds the pure Convox rules: it imports core/ only.'},
	config: {imports: ['core'], says: 'config/ imports core/ only.'},
	services: {imports: ['core', 'convox', 'config'], says: 'services/ import core/, convox/ and config/ only.'},
	checklist: {
		imports: ['core', 'convox', 'config', 'services'],
		says: 'checklist/ imports core/, convox/, config/ and services/ only: never a step.',
	},
	steps: {
		imports: ['core', 'convox', 'config', 'services', 'checklist'],
		says: 'steps/ import core/, convox/, config/, services/ and checklist/ only.',
	},
	workflow: {
		imports: ['core', 'convox'],
		types: ['config'],
		says: 'workflow/ imports core/ and convox/ (types of config/): it is handed the steps and the services, it never imports them.',
	},
	ui: {
		imports: ['core', 'convox'],
		types: ['config'],
		says: 'ui/ renders events: it imports core/ and convox/ (types of config/), never a service, a step or the workflow.',
	},
	images: {
		imports: ['core', 'convox', 'config', 'services', 'workflow'],
		says: 'images/ import core/, convox/, config/, services/ and workflow/ only.',
	},
	rehearsal: {imports: ['core', 'convox', 'config'], says: 'rehearsal/ imports core/, convox/ and config/ only; only commands/ import it.'},
	commands: {
		imports: ['core', 'convox', 'config', 'services', 'checklist', 'steps', 'workflow', 'ui', 'images', 'rehearsal'],
		says: '',
	},
};
const floorGroup = name => [`**/${name}/**`, `**/${name}`];

const floorRule = name => {
	const {imports, types = [], says} = FLOORS[name];
	const others = Object.keys(FLOORS).filter(other => other !== name && !imports.includes(other));
	const patterns = [
		...others.map(other => ({group: floorGroup(other), message: says, types: types.includes(other)})),
		CLI,
		...(name === 'ui' ? [] : [REACT]),
	];
	return forbid([`source/${name}/**`], patterns);
};

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
		files: ['bin.ts', 'cli.tsx', 'source/**', 'scripts/**', 'test/**'],
		languageOptions: {
			parserOptions: {
				// The .mjs scripts are outside tsconfig.json (no allowJs): they get its options in a default project.
				projectService: {allowDefaultProject: ['scripts/*.mjs'], maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 16},
				tsconfigRootDir: import.meta.dirname,
			},
		},
		rules: {
			'@typescript-eslint/no-floating-promises': 'error',
			'@typescript-eslint/no-misused-promises': 'error',
		},
	},
	...Object.keys(FLOORS).map(floorRule),
	{
		// No import circles in source/: a value import of a module that, by any path, imports the importer back.
		// Type-only imports are left out (they vanish from the bundle); dynamic imports count.
		files: ['bin.ts', 'cli.tsx', 'source/**'],
		plugins: {'import-x': importX},
		settings: {
			'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
			'import-x/parsers': {'@typescript-eslint/parser': ['.ts', '.tsx']},
			'import-x/resolver-next': [createNodeResolver({extensions: ['.ts', '.tsx', '.js', '.mjs', '.json']})],
		},
		rules: {'import-x/no-cycle': ['error', {ignoreExternal: true}]},
	},
	{
		// A fleet's CloudFormation calls wait for their account-region's shared pace, which
		// createServices puts on the one CloudFormationClient that createAwsClients makes: no other.
		files: ['bin.ts', 'cli.tsx', 'source/**'],
		ignores: ['source/services/aws-clients.ts'],
		rules: {
			'no-restricted-syntax': [
				'error',
				...[
					"NewExpression[callee.name='CloudFormationClient']",
					"ImportDeclaration[importKind='value'] > ImportSpecifier[importKind='value'][imported.name='CloudFormationClient']",
				].map(selector => ({
					selector,
					message:
						'Only source/services/aws-clients.ts makes a CloudFormationClient (the one a fleet paces): take `cloudformation` from services.aws().',
				})),
			],
		},
	},
	forbid(['test/**'], [CLI]),
	prettier,
);
