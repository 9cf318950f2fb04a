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

async function errorsOf(filePath: string, code: string, ruleId: string): Promise<string[]> {
	const [result] = await eslint.lintText(code, {filePath});
	expect(result?.messages.filter(message => message.fatal)).toEqual([]);
	return (result?.messages ?? []).filter(message => message.ruleId === ruleId).map(message => message.message);
}

const importErrors = (filePath: string, code: string) => errorsOf(filePath, code, '@typescript-eslint/no-restricted-imports');

/** An import of `name` from `from`, used so that it is a value import unless `type` says otherwise. */
const importing = (name: string, from: string, type = false) =>
	type
		? `import type {${name}} from '${from}';\nexport type X = ${name};\n`
		: `import {${name}} from '${from}';\nexport const x = ${name};\n`;

describe('the floors of source/ (eslint.config.js)', () => {
	it.each([
		['source/core/thing.ts', importing('templateParameters', '../convox/formation-ami'), 'core is the ground'],
		['source/core/thing.ts', importing('loadConfig', '../config/load-config'), 'core is the ground'],
		['source/convox/thing.ts', importing('createReleasesService', '../services/releases'), 'convox/ holds the pure Convox rules'],
		['source/convox/thing.ts', importing('Config', '../config/schema', true), 'convox/ holds the pure Convox rules'],
		['source/config/thing.ts', importing('selectVersion', '../convox/select-version'), 'config/ imports core/ only'],
		['source/services/thing.ts', importing('stepRegistry', '../steps/registry'), 'services/ import core/, convox/ and config/ only'],
		['source/services/thing.ts', importing('Runner', '../workflow/runner'), 'services/ import core/, convox/ and config/ only'],
		['source/services/thing.ts', importing('Box', 'ink'), 'no React or Ink here'],
		['source/services/thing.ts', importing('formatEta', '../ui/format'), 'services/ import core/, convox/ and config/ only'],
		[
			'source/checklist/thing.ts',
			importing('verifyStep', '../steps/verify'),
			'checklist/ imports core/, convox/, config/ and services/ only',
		],
		[
			'source/images/thing.ts',
			importing('formatDuration', '../ui/format'),
			'images/ import core/, convox/, config/, services/ and workflow/ only',
		],
		[
			'source/steps/thing.ts',
			importing('PACKER_LOG', '../ui/build-view'),
			'steps/ import core/, convox/, config/, services/ and checklist/ only',
		],
		[
			'source/steps/thing.ts',
			importing('Runner', '../workflow/runner'),
			'steps/ import core/, convox/, config/, services/ and checklist/ only',
		],
		['source/workflow/thing.ts', importing('createReleasesService', '../services/releases'), 'it never imports them'],
		['source/workflow/thing.ts', importing('ReleasesService', '../services/releases', true), 'it never imports them'],
		['source/workflow/thing.ts', importing('stepRegistry', '../steps/registry'), 'it never imports them'],
		['source/workflow/thing.ts', importing('loadConfig', '../config/load-config'), 'types of config/'],
		['source/ui/ink/Widget.tsx', importing('createServices', '../../services/create-services'), 'never a service, a step or the workflow'],
		['source/ui/thing.ts', importing('Runner', '../workflow/runner'), 'never a service, a step or the workflow'],
		['source/rehearsal/thing.ts', importing('stepRegistry', '../steps/registry'), 'rehearsal/ imports core/, convox/ and config/ only'],
		[
			'source/rehearsal/aws/thing.ts',
			importing('PACKER_LOG', '../../services/packer/runner'),
			'rehearsal/ imports core/, convox/ and config/ only',
		],
		['source/workflow/thing.ts', importing('startRehearsal', '../rehearsal/rehearsal'), 'it never imports them'],
		[
			'source/images/thing.ts',
			importing('startRehearsal', '../rehearsal/rehearsal'),
			'images/ import core/, convox/, config/, services/ and workflow/ only',
		],
		['source/steps/thing.ts', importing('driveRun', '../commands/drive-run'), 'steps/ import'],
		['source/commands/thing.ts', importing('something', '../../cli'), 'Nothing imports cli.tsx'],
		['test/ui/thing.test.ts', importing('something', '../../cli'), 'Nothing imports cli.tsx'],
	])('refuses in %s: %s', async (filePath, code, expected) => {
		const errors = await importErrors(filePath, code);
		expect(errors).toHaveLength(1);
		expect(errors[0]).toContain(expected);
	});

	it.each([
		['source/core/thing.ts', importing('Config', '../config/schema', true)],
		['source/convox/thing.ts', importing('UsageError', '../core/errors')],
		['source/config/thing.ts', importing('UsageError', '../core/errors')],
		['source/services/thing.ts', importing('selectVersion', '../convox/select-version')],
		['source/services/thing.ts', importing('loadConfig', '../config/load-config')],
		['source/checklist/thing.ts', importing('describeStack', '../services/cloudformation/stack')],
		['source/steps/thing.ts', importing('createGit', '../services/git')],
		['source/steps/thing.ts', importing('checklistItems', '../checklist/items')],
		['source/workflow/thing.ts', importing('Services', '../core/ports', true)],
		['source/workflow/thing.ts', importing('Config', '../config/schema', true)],
		['source/workflow/thing.ts', importing('instancesToReplace', '../convox/instances-to-replace')],
		['source/ui/ink/Widget.tsx', importing('Box', 'ink')],
		['source/ui/thing.ts', importing('stackProgress', '../convox/stack-progress')],
		['source/rehearsal/thing.ts', importing('loadConfig', '../config/load-config')],
		['source/images/thing.ts', importing('acquireStateLock', '../workflow/state-lock')],
		['source/images/thing.ts', importing('createServices', '../services/create-services')],
		['source/commands/thing.ts', importing('startRehearsal', '../rehearsal/rehearsal')],
		['source/commands/thing.ts', importing('stepRegistry', '../steps/registry')],
	])('allows in %s: %s', async (filePath, code) => {
		expect(await importErrors(filePath, code)).toEqual([]);
	});
});

describe('no import circles in source/ (import-x/no-cycle)', () => {
	it('reports an import of a module that imports the importer back', async () => {
		// session.ts imports drive-one.ts: drive-one.ts importing session.ts would close a circle.
		const errors = await errorsOf('source/workflow/drive-one.ts', importing('Session', './session'), 'import-x/no-cycle');
		expect(errors).toEqual(['Dependency cycle detected']);
	});

	it('reports a circle closed through a dynamic import', async () => {
		// session.ts imports fleet/fleet-driver.ts (with import()): fleet-driver.ts importing session.ts would close a circle.
		const errors = await errorsOf('source/workflow/fleet/fleet-driver.ts', importing('Session', '../session'), 'import-x/no-cycle');
		expect(errors).toEqual(['Dependency cycle detected']);
	});

	it('leaves an import that closes no circle alone', async () => {
		expect(await errorsOf('source/workflow/fleet/fleet-driver.ts', importing('driveOne', '../drive-one'), 'import-x/no-cycle')).toEqual([]);
	});
});
