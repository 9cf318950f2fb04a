import {copyFile, cp, mkdir, readFile, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';
import {createLiveWorld, onlyRun, type LiveWorld} from '../support/bad-input-world';

const OPERATOR = fileURLToPath(new URL('../fixtures/operator-template/packer.json', import.meta.url));
const OPERATOR_HCL2 = fileURLToPath(new URL('../fixtures/hcl2/operator', import.meta.url));

let world: LiveWorld;
let counter = 0;

beforeAll(async () => {
	world = await createLiveWorld();
	await world.liveConfig();
});
afterAll(async () => world?.close());

/** A copy of the operator's template in its own folder, changed by `edit`, and a config naming it. */
async function operatorTemplate(
	edit: (text: string) => string = text => text,
): Promise<{dir: string; template: string; config: string; stateDir: string}> {
	const name = `operator-${++counter}`;
	const dir = path.join(world.dir, name);
	await mkdir(dir);
	const template = path.join(dir, 'packer.json');
	await copyFile(OPERATOR, template);
	await writeFile(template, edit(await readFile(template, 'utf8')));
	const config = await world.liveConfig({}, {template: `${name}/packer.json`}, `${name}.json`);
	return {dir, template, config, stateDir: path.join(world.dir, `state-${name}`)};
}

const share = (text: string) => text.replace('"ssh_pty": true,', '"ssh_pty": true,\n      "ami_groups": ["all"],');

describe("the template step on an operator's template, through the CLI", () => {
	it('a template that would make the AMI public: exit 2 before building, the template untouched, the journal intact; resume goes on once it is fixed', async () => {
		const {template, config, stateDir} = await operatorTemplate(share);
		const before = await readFile(template, 'utf8');
		const args = ['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic', '--config', config, '--state-dir', stateDir];
		const refused = await runCli(args, {cwd: world.dir, env: world.env});
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain(
			`The template ${template} would share the AMI: builder amazon-ebs sets ami_groups ["all"] (public: every AWS account).`,
		);
		expect(refused.stderr).toContain('anyone it is shared with can launch it and read them');
		expect(refused.stderr).toContain('Remove ami_groups from the template');
		expect(await readFile(template, 'utf8')).toBe(before);
		const journal = await onlyRun(stateDir);
		expect(journal.steps.find(step => step.id === 'template')).toMatchObject({status: 'failed'});
		expect(journal.steps.find(step => step.id === 'build')).toMatchObject({status: 'pending'});
		await expect(stat(path.join(stateDir, 'runs', `${journal.id}.packer.log`))).rejects.toThrow();

		await writeFile(template, before.replace('\n      "ami_groups": ["all"],', ''));
		const resumed = await runCli(['resume', '--yes', '--json', '--confirm', 'sumologic', '--config', config, '--state-dir', stateDir], {
			cwd: world.dir,
			env: world.env,
		});
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(resumed.events.find(event => event.type === 'step' && event.step === 'template' && event.status === 'done')).toMatchObject({
			releaseRunTag: true,
		});
	}, 90_000);

	it('an HCL2 template folder (the bundled HCL parser): inspected, run_id and the ReleaseRun tag written under --yes, and the release finishes', async () => {
		const name = `operator-hcl2-${++counter}`;
		const dir = path.join(world.dir, name);
		await cp(OPERATOR_HCL2, dir, {recursive: true});
		const config = await world.liveConfig({}, {template: name}, `${name}.json`);
		const stateDir = path.join(world.dir, `state-${name}`);
		const args = ['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic', '--config', config, '--state-dir', stateDir];
		const result = await runCli(args, {cwd: world.dir, env: world.env});
		expect(result.code, result.stderr).toBe(0);
		expect(result.events.find(event => event.type === 'step' && event.step === 'template' && event.status === 'done')).toMatchObject({
			templatePath: dir,
			undeclaredPassed: ['region', 'convox_version'],
			requiredSecrets: ['librato_email', 'librato_token', 'logspout_token'],
			releaseRunTag: true,
			manifestPath: path.join(world.dir, 'manifest.json'),
		});
		const notices = result.events.filter(event => event.type === 'notice').map(event => String(event.message));
		expect(notices).toContainEqual(expect.stringMatching(new RegExp(`^Added the variable run_id and the tag ReleaseRun .* to ${dir}\\.`)));
		const written = await readFile(path.join(dir, 'template.pkr.hcl'), 'utf8');
		expect(written).toContain('    ReleaseRun = var.run_id\n');
		expect(written).toContain('\nvariable "run_id" {\n  type    = string\n  default = ""\n}\n');
	}, 90_000);

	it('the same refusal under --dry-run', async () => {
		const {template, config, stateDir} = await operatorTemplate(text =>
			share(text).replace('"ami_groups": ["all"]', '"ami_users": ["123456789012"]'),
		);
		const result = await runCli(['release', '--env', 'dev', '--dry-run', '--yes', '--config', config, '--state-dir', stateDir], {
			cwd: world.dir,
			env: world.env,
		});
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(`The template ${template} would share the AMI: builder amazon-ebs sets ami_users ["123456789012"].`);
	});

	it('under --yes writes run_id and the ReleaseRun tag into the template, reports what it found, and the release finishes', async () => {
		const {dir, template, config, stateDir} = await operatorTemplate();
		const result = await runCli(
			['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic', '--config', config, '--state-dir', stateDir],
			{cwd: world.dir, env: world.env},
		);
		expect(result.code, result.stderr).toBe(0);
		const done = result.events.find(event => event.type === 'step' && event.step === 'template' && event.status === 'done');
		expect(done).toMatchObject({
			undeclaredPassed: ['region', 'convox_version'],
			secretsNotSensitive: ['librato_email', 'librato_token', 'logspout_token'],
			releaseRunTag: true,
			manifestPath: path.join(dir, 'manifest.json'),
		});
		const notices = result.events.filter(event => event.type === 'notice').map(event => String(event.message));
		expect(notices).toContain('+        "ReleaseRun": "{{user `run_id`}}"');
		expect(notices).toContainEqual(expect.stringContaining('Packer 1.6.6 ignores an undeclared -var without a word'));
		const written = JSON.parse(await readFile(template, 'utf8'));
		expect(written.variables.run_id).toBe('');
		expect(written.builders[0].tags.ReleaseRun).toBe('{{user `run_id`}}');
		expect((await onlyRun(stateDir)).steps.find(step => step.id === 'template')).toMatchObject({
			status: 'done',
			outputs: {releaseRunTag: true},
		});
	}, 90_000);
});
