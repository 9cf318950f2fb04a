import {readFileSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {createUnattendedPrompter} from '../../source/ui/unattended-prompter';
import {templateStep} from '../../source/steps/template';
import {MissingInputError, StepFailedError, UsageError} from '../../source/core/errors';
import type {Prompter} from '../../source/core/prompter';
import type {RecordedOutputs} from '../../source/core/step-outputs';
import type {RunEventInput, RunMode} from '../../source/core/types';
import {stepWorlds, type StepWorld} from '../support/step-world';

const shipped = fileURLToPath(new URL('../../packer/packer.json', import.meta.url));
const OLD_AMI = 'ami-6bb2d67c';
const NEW_AMI = 'ami-0a1b2c3d4e5f60718';
const TEMPLATE = `{
  "variables": {
    "source_ami": "${OLD_AMI}",
    "region": null,
    "env": null,
    "version": null,
    "convox_version": null,
    "run_id": null,
    "librato_email": "{{env \`LIBRATO_EMAIL\`}}",
    "librato_token": "{{env \`LIBRATO_TOKEN\`}}",
    "logspout_token": "{{env \`LOGSPOUT_TOKEN\`}}"
  },
  "sensitive-variables": ["librato_email", "librato_token", "logspout_token"],
  "builders": [
    {
      "type": "amazon-ebs",
      "source_ami": "{{user \`source_ami\`}}",
      "tags": {"ReleaseRun": "{{user \`run_id\`}}"}
    }
  ]
}
`;
const CHECKED = {
	declaredVariables: [
		'source_ami',
		'region',
		'env',
		'version',
		'convox_version',
		'run_id',
		'librato_email',
		'librato_token',
		'logspout_token',
	],
	undeclaredPassed: [],
	sensitiveSecrets: ['librato_email', 'librato_token', 'logspout_token'],
	secretsNotSensitive: [],
	secretsNotReceived: [],
	requiredSecrets: [],
	releaseRunTag: true,
};

let repo: string;

const git = (...args: string[]) =>
	execa('git', args, {
		cwd: repo,
		env: {
			GIT_AUTHOR_NAME: 'Test',
			GIT_AUTHOR_EMAIL: 'test@example.com',
			GIT_COMMITTER_NAME: 'Test',
			GIT_COMMITTER_EMAIL: 'test@example.com',
			GIT_CONFIG_NOSYSTEM: '1',
			HOME: repo,
		},
	});

async function commitTemplate(text = TEMPLATE) {
	await writeFile(path.join(repo, 'packer', 'packer.json'), text);
	await git('add', 'packer/packer.json');
	await git('commit', '--quiet', '-m', 'template');
}

beforeEach(async () => {
	repo = await mkdtemp(path.join(tmpdir(), 'convox-ami-template-step-'));
	await mkdir(path.join(repo, 'packer'));
	await git('init', '--quiet', '--initial-branch=main');
	await commitTemplate();
});

const worlds = stepWorlds();
let world: StepWorld;

beforeEach(async () => {
	world = await worlds.start();
});

afterEach(async () => {
	vi.useRealTimers();
	await rm(repo, {recursive: true, force: true});
});

interface Setup {
	production?: boolean;
	mode?: RunMode;
	template?: string | null;
	configDir?: string;
	answers?: boolean[];
	resolved?: RecordedOutputs<'resolve-version'>;
	interactive?: boolean;
	gitBinary?: string;
	prompter?: Prompter;
	packerBinary?: string;
	env?: NodeJS.ProcessEnv;
	yes?: boolean;
	/** The config's var files: for all accounts, and the account's own. */
	varFiles?: {all?: string[]; account?: string[]};
}

function setup({
	production = false,
	mode = 'live',
	template = 'packer/packer.json',
	configDir = repo,
	answers = [],
	resolved = {convoxVersion: '20160916121812', sourceAmi: NEW_AMI},
	interactive = true,
	gitBinary = 'git',
	prompter,
	packerBinary = 'packer',
	env = {},
	yes = false,
	varFiles = {},
}: Setup = {}) {
	const questions: string[] = [];
	const prompt: Prompter = prompter ?? {
		interactive,
		async confirm({message, remedy}) {
			questions.push(message);
			if (!interactive) throw new MissingInputError(message, remedy);
			const answer = answers.shift();
			if (answer === undefined) throw new Error(`unexpected question: ${message}`);
			return answer;
		},
		select: () => Promise.reject(new Error('no select expected')),
		text: () => Promise.reject(new Error('no text expected')),
		secret: () => Promise.reject(new Error('no secret expected')),
	};
	const harness = world.context('template', {
		accountName: production ? 'prod' : 'dev',
		account: {production, ...(varFiles.account ? {varFiles: varFiles.account} : {})},
		config: {
			binaries: {packer: packerBinary, git: gitBinary},
			...(template === null ? {} : {template}),
			...(varFiles.all ? {varFiles: varFiles.all} : {}),
		},
		configDir,
		stateDir: path.join(repo, '.convox-ami'),
		flags: {dryRun: mode === 'dry-run', rehearse: mode === 'rehearsal', yes},
		earlier: {'resolve-version': resolved},
		prompt,
		environment: env,
	});
	return {...harness, questions};
}

const templateFile = () => path.join(repo, 'packer', 'packer.json');
const realRepo = async () => (await git('rev-parse', '--show-toplevel')).stdout;

describe('template step in a dev account', () => {
	it('shows what the build uses, with a dev AMI version', async () => {
		const {ctx, notices} = setup({answers: [false]});
		const outputs = await templateStep.run(ctx);
		expect(outputs).toEqual({
			templatePath: templateFile(),
			amiVersion: expect.stringMatching(/^dev-\d{14}$/),
			env: 'dev',
			region: 'us-east-1',
			sourceAmi: NEW_AMI,
			convoxVersion: '20160916121812',
			...CHECKED,
		});
		expect(notices()).toEqual(
			expect.arrayContaining([
				`Template: ${templateFile()}`,
				'Region: us-east-1',
				`Source AMI: ${NEW_AMI}`,
				'Env: dev',
				`AMI version: ${outputs.amiVersion} (dev build id)`,
				'Convox version: 20160916121812',
			]),
		);
	});

	it('shows the change of source_ami and writes it when the operator agrees', async () => {
		const {ctx, notices, questions} = setup({answers: [true]});
		await templateStep.run(ctx);
		expect(questions).toEqual([`Record source_ami ${NEW_AMI} in ${templateFile()}?`]);
		expect(notices()).toEqual(expect.arrayContaining([`-    "source_ami": "${OLD_AMI}",`, `+    "source_ami": "${NEW_AMI}",`]));
		expect(await readFile(templateFile(), 'utf8')).toBe(TEMPLATE.replace(OLD_AMI, NEW_AMI));
		expect(notices().find(message => message.startsWith('Wrote'))).toContain(`git -C ${await realRepo()} commit`);
	});

	it('leaves the template alone when the operator declines, and says what that means', async () => {
		const {ctx, events} = setup({answers: [false]});
		await templateStep.run(ctx);
		expect(await readFile(templateFile(), 'utf8')).toBe(TEMPLATE);
		expect(events).toContainEqual(
			expect.objectContaining({
				type: 'notice',
				level: 'warn',
				message: expect.stringContaining('the production release refuses until the committed template records it'),
			}),
		);
	});

	it('under --dry-run shows the change without asking or writing', async () => {
		const {ctx, notices, questions} = setup({mode: 'dry-run'});
		await templateStep.run(ctx);
		expect(questions).toEqual([]);
		expect(notices()).toContain(`+    "source_ami": "${NEW_AMI}",`);
		expect(notices()).toContain(`Dry run: ${templateFile()} is not written.`);
		expect(await readFile(templateFile(), 'utf8')).toBe(TEMPLATE);
	});

	it('asks nothing when the template already records the source AMI', async () => {
		const {ctx, questions, notices} = setup({resolved: {convoxVersion: '20160916121812', sourceAmi: OLD_AMI}});
		await templateStep.run(ctx);
		expect(questions).toEqual([]);
		expect(notices()).toContain(`${templateFile()} already records source_ami ${OLD_AMI}.`);
	});

	it('goes on without git in a dev account, with a warning', async () => {
		const {ctx, events} = setup({answers: [true], gitBinary: path.join(repo, 'no-such-git')});
		await templateStep.run(ctx);
		expect(events).toContainEqual(
			expect.objectContaining({type: 'notice', level: 'warn', message: expect.stringContaining('could not be run')}),
		);
		expect(await readFile(templateFile(), 'utf8')).toBe(TEMPLATE.replace(OLD_AMI, NEW_AMI));
	});

	it('names the flag when nobody can answer the question', async () => {
		const {ctx} = setup({interactive: false});
		await expect(templateStep.run(ctx)).rejects.toBeInstanceOf(MissingInputError);
		expect(await readFile(templateFile(), 'utf8')).toBe(TEMPLATE);
	});

	it('uses the packer/packer.json shipped with the package when the config names none', async () => {
		const {ctx, questions} = setup({template: null, mode: 'dry-run', resolved: {convoxVersion: '20160916121812', sourceAmi: NEW_AMI}});
		const before = await readFile(shipped, 'utf8');
		const outputs = await templateStep.run(ctx);
		expect(outputs.templatePath).toBe(shipped);
		expect(questions).toEqual([]);
		expect(await readFile(shipped, 'utf8')).toBe(before);
	});

	it('refuses a configured template that does not exist, as a config error', async () => {
		const {ctx} = setup({template: 'nowhere/packer.json'});
		const error = await templateStep.run(ctx).catch(caught => caught);
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toContain(path.join(repo, 'nowhere', 'packer.json'));
		expect(error.hint).toContain('"template"');
	});

	it('fails clearly when the version step left no outputs', async () => {
		const {ctx} = setup({resolved: {}});
		await expect(templateStep.run(ctx)).rejects.toThrow(StepFailedError);
	});
});

describe('template step in a production account', () => {
	it('versions the AMI by the short SHA of the clean repository whose committed template records the source AMI', async () => {
		await commitTemplate(TEMPLATE.replace(OLD_AMI, NEW_AMI));
		await mkdir(path.join(repo, '.convox-ami', 'runs'), {recursive: true});
		await writeFile(path.join(repo, '.convox-ami', 'runs', 'run-1.json'), '{}');
		const sha = (await git('rev-parse', '--short', 'HEAD')).stdout;
		const {ctx, questions, notices} = setup({production: true});
		const outputs = await templateStep.run(ctx);
		expect(outputs).toEqual({
			templatePath: templateFile(),
			amiVersion: sha,
			gitSha: sha,
			env: 'prod',
			region: 'us-east-1',
			sourceAmi: NEW_AMI,
			convoxVersion: '20160916121812',
			...CHECKED,
		});
		expect(questions).toEqual([]);
		expect(notices()).toContain(`AMI version: ${sha} (the template's commit)`);
	});

	it('refuses a dirty working tree, naming the files', async () => {
		await commitTemplate(TEMPLATE.replace(OLD_AMI, NEW_AMI));
		await writeFile(path.join(repo, 'packer', 'extra.sh'), 'echo\n');
		await writeFile(templateFile(), `${TEMPLATE.replace(OLD_AMI, NEW_AMI)} `);
		const {ctx} = setup({production: true});
		const error = await templateStep.run(ctx).catch(caught => caught);
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toMatch(/is not clean: packer\/(extra\.sh, packer\/packer\.json|packer\.json, packer\/extra\.sh)\./);
		expect(error.hint).toContain('Commit those files');
	});

	it('refuses when the committed template does not record the source AMI, saying which file to change and commit', async () => {
		const {ctx, notices} = setup({production: true});
		const error = await templateStep.run(ctx).catch(caught => caught);
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toContain(
			`The committed packer/packer.json records source_ami ${OLD_AMI}, but this release builds from ${NEW_AMI}`,
		);
		expect(error.hint).toContain(`Set "variables.source_ami" to "${NEW_AMI}" in ${templateFile()}`);
		expect(error.hint).toContain('commit');
		expect(notices()).toContain(`+    "source_ami": "${NEW_AMI}",`);
		expect(await readFile(templateFile(), 'utf8')).toBe(TEMPLATE);
	});

	it('refuses a template outside any git repository', async () => {
		const outside = await mkdtemp(path.join(tmpdir(), 'convox-ami-nogit-'));
		try {
			await writeFile(path.join(outside, 'packer.json'), TEMPLATE.replace(OLD_AMI, NEW_AMI));
			const {ctx} = setup({production: true, configDir: outside, template: 'packer.json'});
			const error = await templateStep.run(ctx).catch(caught => caught);
			expect(error).toBeInstanceOf(StepFailedError);
			expect(error.message).toContain(`The template ${path.join(outside, 'packer.json')} is not inside a git repository`);
		} finally {
			await rm(outside, {recursive: true, force: true});
		}
	});

	it('refuses when git cannot be run, naming the setting that points at it', async () => {
		await commitTemplate(TEMPLATE.replace(OLD_AMI, NEW_AMI));
		const {ctx} = setup({production: true, gitBinary: path.join(repo, 'no-such-git')});
		const error = await templateStep.run(ctx).catch(caught => caught);
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toContain(`git (${path.join(repo, 'no-such-git')}) could not be run`);
		expect(error.hint).toContain('"binaries.git"');
	});

	it("in a rehearsal (its world's policy) warns where a live run would refuse, and goes on", async () => {
		const {ctx, events} = setup({production: true, mode: 'rehearsal'});
		const outputs = await templateStep.run(ctx);
		expect(outputs.amiVersion).toBe((await git('rev-parse', '--short', 'HEAD')).stdout);
		expect(events).toContainEqual(
			expect.objectContaining({
				type: 'notice',
				level: 'warn',
				message: expect.stringContaining('A live production run would stop here: The committed packer/packer.json records source_ami'),
			}),
		);
	});
});

const OPERATOR = readFileSync(fileURLToPath(new URL('../fixtures/operator-template/packer.json', import.meta.url)), 'utf8');
const RELEASE_RUN_QUESTION = `Add the variable run_id and the tag ReleaseRun = {{user \`run_id\`}} on amazon-ebs to %s, so that the AMI is tagged with its run?`;
const sharing = (field: string, values: string[]) =>
	OPERATOR.replace('"ssh_pty": true,', `"ssh_pty": true,\n      "${field}": ${JSON.stringify(values)},`);

describe("template step on an operator's template", () => {
	beforeEach(async () => {
		await commitTemplate(OPERATOR);
	});
	const warnings = (events: RunEventInput[]) =>
		events.flatMap(event => (event.type === 'notice' && event.level === 'warn' ? [event.message] : []));

	it('reports what the template declares, offers run_id and the ReleaseRun tag with the diff, and writes them when the operator agrees', async () => {
		const {ctx, events, questions, notices} = setup({answers: [true, true]});
		const outputs = await templateStep.run(ctx);
		expect(questions).toEqual([`Record source_ami ${NEW_AMI} in ${templateFile()}?`, RELEASE_RUN_QUESTION.replace('%s', templateFile())]);
		expect(notices()).toEqual(
			expect.arrayContaining([
				'+    "run_id": ""',
				'+        "ReleaseRun": "{{user `run_id`}}"',
				'-    "logspout_token": null',
				'+    "logspout_token": null,',
			]),
		);
		expect(notices().find(message => message.startsWith('Added'))).toContain(
			`git -C ${await realRepo()} commit -m "Tag the AMI with its release run" packer/packer.json`,
		);
		const written = await readFile(templateFile(), 'utf8');
		expect(JSON.parse(written).variables).toMatchObject({run_id: '', source_ami: NEW_AMI});
		expect(JSON.parse(written).builders[0].tags).toMatchObject({SourceAmi: '{{user `source_ami`}}', ReleaseRun: '{{user `run_id`}}'});
		expect(outputs).toMatchObject({
			declaredVariables: ['env', 'version', 'source_ami', 'librato_email', 'librato_token', 'logspout_token', 'run_id'],
			undeclaredPassed: ['region', 'convox_version'],
			sensitiveSecrets: [],
			secretsNotSensitive: ['librato_email', 'librato_token', 'logspout_token'],
			secretsNotReceived: [],
			releaseRunTag: true,
			manifestPath: path.join(repo, 'packer', 'manifest.json'),
		});
		expect(notices()).toContain(
			'Template variables: env, version, source_ami, librato_email, librato_token, logspout_token, run_id; required (null default): librato_email, librato_token, logspout_token',
		);
		expect(warnings(events)).toEqual([
			`convox-ami passes region, convox_version, which ${templateFile()} does not declare: Packer 1.6.6 ignores an undeclared -var without a word, so the template never sees these values.`,
			expect.stringMatching(
				/^librato_email, librato_token, logspout_token are not in "sensitive-variables" of .*: Packer masks only the variables listed there/,
			),
		]);
		expect(world.aws.calls.filter(call => call.service === 'iam').map(call => call.action)).toContain('SimulatePrincipalPolicy');
		expect(notices()).toContain(`Manifest: the template's manifest post-processor writes ${path.join(repo, 'packer', 'manifest.json')}.`);
	});

	it("leaves the tag out when the operator declines, saying that resume then relies on the build's own record", async () => {
		const {ctx, events} = setup({answers: [true, false]});
		const outputs = await templateStep.run(ctx);
		const written = await readFile(templateFile(), 'utf8');
		expect(written).toBe(OPERATOR.replace(OLD_AMI, NEW_AMI));
		expect(outputs).toMatchObject({releaseRunTag: false, undeclaredPassed: ['region', 'convox_version', 'run_id']});
		expect(warnings(events)).toContainEqual(
			expect.stringContaining(
				`${templateFile()} left as it is: the AMI gets no ReleaseRun tag, and resume then finds an AMI that an interrupted build registered only from the build's own record`,
			),
		);
	});

	it('under --yes writes both edits without asking', async () => {
		const {ctx, events} = setup({prompter: createUnattendedPrompter({yes: true})});
		const outputs = await templateStep.run(ctx);
		expect(outputs.releaseRunTag).toBe(true);
		expect(JSON.parse(await readFile(templateFile(), 'utf8')).builders[0].tags.ReleaseRun).toBe('{{user `run_id`}}');
		expect(events).toContainEqual(
			expect.objectContaining({type: 'notice', message: expect.stringMatching(/^Added the variable run_id and the tag ReleaseRun/)}),
		);
	});

	it('names --yes when nobody can answer the offer, and writes nothing', async () => {
		await commitTemplate(OPERATOR.replace(OLD_AMI, NEW_AMI));
		const {ctx} = setup({prompter: createUnattendedPrompter({yes: false})});
		const error = await templateStep.run(ctx).catch(caught => caught);
		expect(error).toBeInstanceOf(MissingInputError);
		expect(error.message).toContain(RELEASE_RUN_QUESTION.replace('%s', templateFile()));
		expect(error.hint).toContain('--yes');
		expect(await readFile(templateFile(), 'utf8')).toBe(OPERATOR.replace(OLD_AMI, NEW_AMI));
	});

	it('under --dry-run shows the edit without asking or writing', async () => {
		const {ctx, questions, notices} = setup({mode: 'dry-run'});
		const outputs = await templateStep.run(ctx);
		expect(questions).toEqual([]);
		expect(notices()).toContain('+        "ReleaseRun": "{{user `run_id`}}"');
		expect(notices()).toContain(
			`Dry run: ${templateFile()} is not written; a live run offers to add the variable run_id and the tag ReleaseRun = {{user \`run_id\`}} on amazon-ebs.`,
		);
		expect(outputs.releaseRunTag).toBe(false);
		expect(await readFile(templateFile(), 'utf8')).toBe(OPERATOR);
	});

	it('in production only reports the missing tag: the committed template is what is built', async () => {
		await commitTemplate(OPERATOR.replace(OLD_AMI, NEW_AMI));
		const {ctx, events, questions} = setup({production: true});
		const outputs = await templateStep.run(ctx);
		expect(questions).toEqual([]);
		expect(outputs).toMatchObject({releaseRunTag: false, undeclaredPassed: ['region', 'convox_version', 'run_id']});
		expect(warnings(events)).toContainEqual(
			expect.stringMatching(
				/lacks the variable run_id and the tag ReleaseRun .* on amazon-ebs, so the AMI is not tagged with its run: resume then finds .* not by its tag.* The dev release offers to add them; commit the template then\./,
			),
		);
		expect(await readFile(templateFile(), 'utf8')).toBe(OPERATOR.replace(OLD_AMI, NEW_AMI));
	});

	it('says which declared variable a dropped one was probably meant to be', async () => {
		await commitTemplate(OPERATOR.replace('"env": "dev"', '"envv": "dev"').replace('"version": "dev"', '"verison": null'));
		const {ctx, events} = setup({mode: 'dry-run'});
		await templateStep.run(ctx);
		expect(warnings(events)).toContainEqual(expect.stringContaining('The template declares "verison": did you mean "version"?'));
		expect(warnings(events)).toContainEqual(
			`${templateFile()} requires verison (null default), which convox-ami does not pass: Packer refuses to build without it. Did you mean "version"?`,
		);
	});

	it('warns when a secret reaches no variable: the AMI would be built without it', async () => {
		await commitTemplate(OPERATOR.replace('    "logspout_token": null\n', '    "sumo": null\n'));
		const {ctx, events} = setup({mode: 'dry-run'});
		const outputs = await templateStep.run(ctx);
		expect(outputs.secretsNotReceived).toEqual(['logspout_token']);
		expect(warnings(events)).toContainEqual(
			`${templateFile()} neither declares logspout_token nor reads LOGSPOUT_TOKEN with {{env}}: the AMI would be built without the logspout route token (SumoLogic). Declare "logspout_token" in "variables".`,
		);
	});

	for (const [mode, production] of [
		['live', false],
		['dry-run', false],
		['rehearsal', false],
		['live', true],
	] as const) {
		it(`refuses a template that shares the AMI before anything else (${mode}${production ? ', production' : ''}), naming the builder and the field`, async () => {
			const text = sharing('ami_groups', ['all']);
			await commitTemplate(text);
			const {ctx, questions, notices} = setup({mode, production, answers: [true, true]});
			const error = await templateStep.run(ctx).catch(caught => caught);
			expect(error).toBeInstanceOf(UsageError);
			expect(error.message).toBe(
				`The template ${templateFile()} would share the AMI: builder amazon-ebs sets ami_groups ["all"] (public: every AWS account). The AMI holds the Librato and logspout secrets, and anyone it is shared with can launch it and read them.`,
			);
			expect(error.hint).toBe('Remove ami_groups from the template (the AMI must stay private), then run `convox-ami resume`.');
			expect(questions).toEqual([]);
			expect(notices()).toEqual([]);
			expect(await readFile(templateFile(), 'utf8')).toBe(text);
		});
	}

	it('names every sharing field, the snapshots too', async () => {
		await commitTemplate(
			sharing('ami_users', ['123456789012']).replace('"ssh_pty": true,', '"ssh_pty": true,\n      "snapshot_users": "210987654321",'),
		);
		const {ctx} = setup();
		const error = await templateStep.run(ctx).catch(caught => caught);
		expect(error.message).toContain(
			'builder amazon-ebs sets ami_users ["123456789012"]; builder amazon-ebs sets snapshot_users ["210987654321"].',
		);
		expect(error.hint).toContain('Remove ami_users, snapshot_users from the template');
	});

	it('refuses a template Packer would refuse, as a config error', async () => {
		await commitTemplate(OPERATOR.replace('"type": "amazon-ebs",', ''));
		const {ctx} = setup();
		const error = await templateStep.run(ctx).catch(caught => caught);
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toBe(`The Packer template of the config cannot be read: ${templateFile()}: builder 1 has no "type".`);
	});
});

describe('the AMI version of a dev build', () => {
	it('is dev- and the UTC time to the second', async () => {
		vi.useFakeTimers({toFake: ['Date'], now: new Date('2026-11-25T01:02:03.456Z')});
		const {ctx} = setup({answers: [false]});
		expect((await templateStep.run(ctx)).amiVersion).toBe('dev-20261125010203');
	});
});

describe('template step and the Packer at hand', () => {
	const standIn = fileURLToPath(new URL('../fixtures/bin/packer-1.16', import.meta.url));
	const pluginEnv = () => ({
		...process.env,
		PACKER_PLUGIN_PATH: path.join(repo, 'plugins'),
		STAND_IN_PACKER_CALLS: path.join(repo, 'calls'),
	});
	const calls = async () => (await readFile(path.join(repo, 'calls'), 'utf8')).trim().split('\n');
	const INSTALL = `${standIn} plugins install github.com/hashicorp/amazon`;

	it('Packer 1.16 without the Amazon plugin: stops before asking or writing anything, naming the command', async () => {
		const {ctx, questions} = setup({packerBinary: standIn, env: pluginEnv(), interactive: false, answers: [true, true]});
		const error = (await templateStep.run(ctx).catch(error_ => error_)) as UsageError;
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toBe(
			'Packer 1.16.0 bundles no plugin, and github.com/hashicorp/amazon is not installed: the build would stop at once.',
		);
		expect(error.hint).toContain(`Run \`${INSTALL}\` (or give --yes`);
		expect(questions).toEqual([]);
		expect(await readFile(templateFile(), 'utf8')).toBe(TEMPLATE);
		expect(await calls()).toEqual(['-machine-readable version', 'plugins installed']);
	});

	it('under --yes installs the plugin, checks again, and goes on', async () => {
		const {ctx, notices} = setup({packerBinary: standIn, env: pluginEnv(), yes: true, prompter: createUnattendedPrompter({yes: true})});
		await templateStep.run(ctx);
		expect(await calls()).toEqual([
			'-machine-readable version',
			'plugins installed',
			'plugins install github.com/hashicorp/amazon',
			'-machine-readable version',
			'plugins installed',
		]);
		expect(notices()).toEqual(
			expect.arrayContaining([
				`Packer 1.16.0 (${standIn}); plugins installed: (none).`,
				`Running ${INSTALL}`,
				expect.stringMatching(
					/^Installed plugin github.com\/hashicorp\/amazon v1.3.9 in ".*packer-plugin-amazon_v1.3.9_x5.0_linux_amd64"$/,
				),
			]),
		);
	});

	it('asks first, and stops naming the command when the operator declines', async () => {
		const {ctx, questions} = setup({packerBinary: standIn, env: pluginEnv(), answers: [false]});
		await expect(templateStep.run(ctx)).rejects.toThrow(UsageError);
		expect(questions).toEqual([
			`Packer 1.16.0 bundles no plugin, and github.com/hashicorp/amazon is not installed: the build would stop at once. Run \`${INSTALL}\` now?`,
		]);
		expect(await calls()).not.toContain('plugins install github.com/hashicorp/amazon');
	});

	it('under --dry-run only warns, naming the command a live run offers', async () => {
		const {ctx, notices, questions} = setup({packerBinary: standIn, env: pluginEnv(), mode: 'dry-run'});
		await templateStep.run(ctx);
		expect(questions).toEqual([]);
		expect(notices()).toContain(
			`Packer 1.16.0 bundles no plugin, and github.com/hashicorp/amazon is not installed: the build would stop at once. A live run offers to run \`${INSTALL}\`.`,
		);
		expect(await calls()).toEqual(['-machine-readable version', 'plugins installed']);
	});

	it('the real Packer 1.6.6 and a template wanting a later one: a usage error naming both versions', async () => {
		await commitTemplate(TEMPLATE.replace('{\n', '{\n  "min_packer_version": "1.9.0",\n'));
		const {ctx} = setup();
		await expect(templateStep.run(ctx)).rejects.toThrow(
			`The template ${templateFile()} needs Packer >= 1.9.0, and packer is Packer 1.6.6.`,
		);
	});

	it('the real Packer 1.6.6 bundles amazon-ebs: it says so and asks nothing more', async () => {
		const {ctx, notices} = setup({answers: [false]});
		await templateStep.run(ctx);
		expect(notices()).toContain('Packer 1.6.6 (packer), amazon-ebs bundled.');
	});
});

describe('template step with an HCL2 template', () => {
	const hcl2Fixture = (name: string) => fileURLToPath(new URL(`../fixtures/hcl2/${name}`, import.meta.url));

	async function commitHcl2(files: Record<string, string>) {
		await mkdir(path.join(repo, 'packer', 'hcl2'), {recursive: true});
		for (const [name, from] of Object.entries(files))
			await writeFile(path.join(repo, 'packer', 'hcl2', name), await readFile(from, 'utf8'));
		await git('add', 'packer/hcl2');
		await git('commit', '--quiet', '-m', 'hcl2');
	}

	it('a folder (the operator twin): inspected like its JSON twin; source_ami, run_id and the ReleaseRun tag added to the file that declares them, after a diff', async () => {
		await commitHcl2({
			'template.pkr.hcl': hcl2Fixture('operator/template.pkr.hcl'),
			'secrets.pkr.json': hcl2Fixture('operator/secrets.pkr.json'),
		});
		const folder = path.join(repo, 'packer', 'hcl2');
		const declaring = path.join(folder, 'template.pkr.hcl');
		const {ctx, notices, questions} = setup({template: 'packer/hcl2', answers: [true, true]});
		const outputs = await templateStep.run(ctx);
		expect(outputs).toMatchObject({
			templatePath: folder,
			sourceAmi: NEW_AMI,
			releaseRunTag: true,
			requiredSecrets: ['librato_email', 'librato_token', 'logspout_token'],
			manifestPath: path.join(repo, 'packer', 'manifest.json'),
		});
		expect(questions).toEqual([
			`Record source_ami ${NEW_AMI} in ${declaring}?`,
			`Add the variable run_id and the tag ReleaseRun = var.run_id on amazon-ebs.operator to ${folder}, so that the AMI is tagged with its run?`,
		]);
		expect(notices()).toEqual(
			expect.arrayContaining([
				`--- ${declaring}`,
				`-  default = "${OLD_AMI}"`,
				`+  default = "${NEW_AMI}"`,
				expect.stringMatching(new RegExp(`^Wrote source_ami ${NEW_AMI} into ${declaring}\\. Commit it before the production release`)),
				'+variable "run_id" {',
				'+    ReleaseRun = var.run_id',
				expect.stringContaining('Packer refuses an undeclared -var for an HCL2 template, so convox-ami leaves it out'),
				expect.stringContaining('not marked sensitive = true in'),
				"The AMI is tagged ReleaseRun = this run's id.",
			]),
		);
		const original = await readFile(hcl2Fixture('operator/template.pkr.hcl'), 'utf8');
		const written = await readFile(declaring, 'utf8');
		expect(written).toBe(
			`${original.replace(OLD_AMI, NEW_AMI).replace('    SourceAmi = var.source_ami\n', '    SourceAmi = var.source_ami\n    ReleaseRun = var.run_id\n')}\nvariable "run_id" {\n  type    = string\n  default = ""\n}\n`,
		);
		expect((await git('status', '--porcelain')).stdout).toBe(' M packer/hcl2/template.pkr.hcl');
	});

	it('a .pkr.json template: run_id and the tag are added in its own syntax once the operator agrees', async () => {
		await mkdir(path.join(repo, 'packer', 'hcl2'), {recursive: true});
		const file = path.join(repo, 'packer', 'hcl2', 't.pkr.json');
		const template = {
			variable: {source_ami: {default: NEW_AMI}},
			source: {'amazon-ebs': {x: {region: 'us-east-1', source_ami: '${var.source_ami}'}}},
			build: {sources: ['source.amazon-ebs.x']},
		};
		await writeFile(file, JSON.stringify(template, null, 2));
		const {ctx, questions} = setup({template: 'packer/hcl2/t.pkr.json', answers: [true]});
		await templateStep.run(ctx);
		expect(questions).toEqual([
			`Add the variable run_id and the tag ReleaseRun = var.run_id on amazon-ebs.x to ${file}, so that the AMI is tagged with its run?`,
		]);
		expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
			...template,
			variable: {...template.variable, run_id: {type: 'string', default: ''}},
			source: {'amazon-ebs': {x: {...template.source['amazon-ebs'].x, tags: {ReleaseRun: '${var.run_id}'}}}},
		});
	});

	it('declined: the file is left as it is, and the production release will refuse', async () => {
		await commitHcl2({'convox-ami.pkr.hcl': hcl2Fixture('convox-ami.pkr.hcl')});
		const {ctx, notices} = setup({template: 'packer/hcl2/convox-ami.pkr.hcl', answers: [false]});
		await templateStep.run(ctx);
		expect(notices()).toContainEqual(expect.stringContaining('the production release refuses until the committed template records it'));
		expect((await git('status', '--porcelain')).stdout).toBe('');
	});

	it('a .pkr.hcl file (the twin of the shipped template): the same findings as the JSON template', async () => {
		await commitHcl2({'convox-ami.pkr.hcl': hcl2Fixture('convox-ami.pkr.hcl')});
		const {ctx} = setup({template: 'packer/hcl2/convox-ami.pkr.hcl', answers: [true]});
		const outputs = await templateStep.run(ctx);
		expect({...outputs, declaredVariables: outputs.declaredVariables.toSorted()}).toMatchObject({
			...CHECKED,
			declaredVariables: [
				...CHECKED.declaredVariables,
				'instance_type',
				'logspout_task_definition',
				'metrics_backend',
				'ssh_username',
				// The twin's own, for the loopback stand-ins.
				'custom_endpoint_ec2',
				'ssh_port',
			].toSorted(),
			templatePath: path.join(repo, 'packer', 'hcl2', 'convox-ami.pkr.hcl'),
		});
	});

	it('in production: refused while the committed default is another AMI, showing the edit; versioned by the commit once it records it', async () => {
		await commitHcl2({'convox-ami.pkr.hcl': hcl2Fixture('convox-ami.pkr.hcl')});
		const refused = setup({production: true, template: 'packer/hcl2/convox-ami.pkr.hcl'});
		const error = await templateStep.run(refused.ctx).catch(caught => caught);
		expect(error).toBeInstanceOf(StepFailedError);
		expect(error.message).toContain(
			`The committed packer/hcl2/convox-ami.pkr.hcl records source_ami ${OLD_AMI}, but this release builds from ${NEW_AMI}`,
		);
		expect(error.hint).toContain(`Set the default of variable "source_ami" to "${NEW_AMI}"`);
		expect(refused.notices()).toContain(`+  default = "${NEW_AMI}"`);

		const file = path.join(repo, 'packer', 'hcl2', 'convox-ami.pkr.hcl');
		await writeFile(file, (await readFile(file, 'utf8')).replace(OLD_AMI, NEW_AMI));
		await git('commit', '--quiet', '-am', 'base AMI');
		const {ctx} = setup({production: true, template: 'packer/hcl2/convox-ami.pkr.hcl'});
		const outputs = await templateStep.run(ctx);
		expect(outputs.amiVersion).toBe((await git('rev-parse', '--short', 'HEAD')).stdout);
	});
});

describe('template step with var files', () => {
	const hcl2Fixture = (name: string) => fileURLToPath(new URL(`../fixtures/hcl2/${name}`, import.meta.url));

	async function hcl2Template(varFiles: Record<string, string>) {
		await mkdir(path.join(repo, 'packer', 'vars'), {recursive: true});
		await writeFile(path.join(repo, 'packer', 'convox-ami.pkr.hcl'), await readFile(hcl2Fixture('convox-ami.pkr.hcl'), 'utf8'));
		for (const [name, text] of Object.entries(varFiles)) await writeFile(path.join(repo, 'packer', 'vars', name), text);
		await git('add', 'packer');
		await git('commit', '--quiet', '-m', 'hcl2 and var files');
	}

	it('values shown (secrets masked), the files passed in order, passed in the outputs; source_ami recorded in the last var file that sets it', async () => {
		await hcl2Template({
			'all.pkrvars.hcl': 'instance_type = "t3.small"\nsource_ami = "ami-all"\n',
			'dev.pkrvars.hcl': `# dev\nsource_ami    = "${OLD_AMI}"\nlibrato_token = "tok-in-a-file"\n`,
		});
		const {ctx, notices, questions, events} = setup({
			template: 'packer/convox-ami.pkr.hcl',
			varFiles: {all: ['packer/vars/all.pkrvars.hcl'], account: ['packer/vars/dev.pkrvars.hcl']},
			answers: [true],
		});
		const outputs = await templateStep.run(ctx);
		const devVars = path.join(repo, 'packer', 'vars', 'dev.pkrvars.hcl');
		expect(outputs.varFiles).toEqual([path.join(repo, 'packer', 'vars', 'all.pkrvars.hcl'), devVars]);
		expect(outputs.varFileSecrets, 'names only: the build reads the values again to scrub them').toEqual(['librato_token']);
		expect(notices()).toEqual(
			expect.arrayContaining([
				`Var file ${path.join(repo, 'packer', 'vars', 'all.pkrvars.hcl')}: instance_type = "t3.small", source_ami = "ami-all"`,
				`Var file ${devVars}: librato_token = ***, source_ami = "${OLD_AMI}"`,
				expect.stringMatching(/sets librato_token, which is a secret: the value lies in a file/),
				`+source_ami    = "${NEW_AMI}"`,
			]),
		);
		expect(JSON.stringify(events)).not.toContain('tok-in-a-file');
		expect(questions).toEqual([`Record source_ami ${NEW_AMI} in ${devVars}?`]);
		expect(await readFile(devVars, 'utf8')).toBe(`# dev\nsource_ami    = "${NEW_AMI}"\nlibrato_token = "tok-in-a-file"\n`);
		expect(await readFile(path.join(repo, 'packer', 'convox-ami.pkr.hcl'), 'utf8')).toContain(`default = "${OLD_AMI}"`);
	});

	it('a variable the template does not declare: refused, naming the file and the variable', async () => {
		await hcl2Template({'dev.pkrvars.hcl': 'instance_typo = "t3.small"\n'});
		const {ctx} = setup({template: 'packer/convox-ami.pkr.hcl', varFiles: {account: ['packer/vars/dev.pkrvars.hcl']}});
		const error = await templateStep.run(ctx).catch(caught => caught);
		expect(error).toBeInstanceOf(UsageError);
		expect(error.message).toBe(
			`${path.join(repo, 'packer', 'vars', 'dev.pkrvars.hcl')} sets instance_typo, which the template ${path.join(repo, 'packer', 'convox-ami.pkr.hcl')} does not declare.`,
		);
	});

	it('a missing var file and an HCL var file for a JSON template: refused with what to do', async () => {
		const missing = await templateStep.run(setup({varFiles: {all: ['vars/none.json']}}).ctx).catch(caught => caught);
		expect(missing).toBeInstanceOf(UsageError);
		expect(missing.message).toContain(`the var file ${path.join(repo, 'vars', 'none.json')} does not exist`);
		expect(missing.hint).toContain('"varFiles"');
		await hcl2Template({'dev.pkrvars.hcl': 'env = "dev"\n'});
		const hcl = await templateStep.run(setup({varFiles: {all: ['packer/vars/dev.pkrvars.hcl']}}).ctx).catch(caught => caught);
		expect(hcl).toBeInstanceOf(UsageError);
		expect(hcl.message).toContain('Packer reads only JSON var files for a JSON template');
	});

	it('a JSON var file beside the JSON template: a value convox-ami passes itself is said to be overridden', async () => {
		await mkdir(path.join(repo, 'vars'));
		await writeFile(path.join(repo, 'vars', 'dev.json'), '{"region": "eu-west-1"}\n');
		const {ctx, notices} = setup({varFiles: {account: ['vars/dev.json']}, answers: [false]});
		const outputs = await templateStep.run(ctx);
		expect(outputs.varFiles).toEqual([path.join(repo, 'vars', 'dev.json')]);
		expect(notices()).toContainEqual(expect.stringContaining('sets region, which convox-ami passes itself with -var after the var files'));
	});
});
