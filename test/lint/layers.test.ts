import {ESLint} from 'eslint';
import {describe, expect, it} from 'vitest';

// The files linted here exist only as text, which the type-checked rules' project service cannot open:
// those rules are off, the import rules under test are not.
const eslint = new ESLint({
	cwd: new URL('../..', import.meta.url).pathname,
	overrideConfig: {
		languageOptions: {parserOptions: {projectService: false}},
		rules: {'@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off'},
	},
});

async function importErrors(filePath: string, code: string): Promise<string[]> {
	const [result] = await eslint.lintText(code, {filePath});
	expect(result?.messages.filter(message => message.fatal)).toEqual([]);
	return (result?.messages ?? [])
		.filter(message => message.ruleId === '@typescript-eslint/no-restricted-imports')
		.map(message => message.message);
}

describe('the layering rules of the linter', () => {
	it.each([
		[
			'source/ui/ink/Widget.tsx',
			"import {createServices} from '../../services/create-services';\nexport const x = createServices;\n",
			'The UI never imports a service',
		],
		['source/services/thing.ts', "import {Box} from 'ink';\nexport const x = Box;\n", 'no React or Ink here'],
		['source/services/thing.ts', "import {formatDuration} from '../ui/format';\nexport const x = formatDuration;\n", 'never import the UI'],
		['source/steps/thing.ts', "import {PACKER_LOG} from '../ui/build-view';\nexport const x = PACKER_LOG;\n", 'never import the UI'],
		['source/images/thing.ts', "import {formatDuration} from '../ui/format';\nexport const x = formatDuration;\n", 'never import the UI'],
		[
			'source/workflow/thing.ts',
			"import {createReleasesService} from '../services/releases';\nexport const x = createReleasesService;\n",
			'only through their interfaces',
		],
		['source/commands/thing.ts', "import {something} from '../../cli';\nexport const x = something;\n", 'Nothing imports cli.tsx'],
		['test/ui/thing.test.ts', "import {something} from '../../cli';\nexport const x = something;\n", 'Nothing imports cli.tsx'],
	])('refuses in %s: %s', async (filePath, code, expected) => {
		const errors = await importErrors(filePath, code);
		expect(errors).toHaveLength(1);
		expect(errors[0]).toContain(expected);
	});

	it.each([
		['source/workflow/thing.ts', "import type {Services} from '../services/services';\nexport type X = Services;\n"],
		['source/steps/thing.ts', "import {createGit} from '../services/git';\nexport const x = createGit;\n"],
		['source/ui/ink/Widget.tsx', "import {Box} from 'ink';\nexport const x = Box;\n"],
	])('allows in %s: %s', async (filePath, code) => {
		expect(await importErrors(filePath, code)).toEqual([]);
	});
});
