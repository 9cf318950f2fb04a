import {readFileSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import type {CommandInput} from '../../source/core/command-input';
import {firstAccountQuestion as questionOf} from '../../source/workflow/account-choice';

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-first-question-'));
});
afterEach(async () => rm(dir, {recursive: true, force: true}));

const ACCOUNTS = {
	dev: {accountId: '111111111111', stackName: 'convox-dev'},
	prod: {accountId: '222222222222', stackName: 'convox-prod', production: true},
};

async function inputWith(
	config: unknown,
	input: Partial<CommandInput> = {},
	flags: Partial<CommandInput['flags']> = {},
): Promise<CommandInput> {
	const configPath = path.join(dir, 'config.json');
	await writeFile(configPath, typeof config === 'string' ? config : JSON.stringify(config));
	return {
		name: 'release',
		args: [],
		flags: {dryRun: false, rehearse: false, yes: false, json: false, confirm: [], skipRequired: false, ...flags},
		configPath,
		stateDir: path.join(dir, 'state'),
		...input,
	};
}

/** The question as drive-run.ts asks for it: the config file read at `--config`. */
const firstAccountQuestion = (input: CommandInput) => questionOf(input, () => readFileSync(input.configPath!, 'utf8'));

describe('firstAccountQuestion', () => {
	it('is the guided release’s account question, its choices as the run lists them', async () => {
		expect(firstAccountQuestion(await inputWith({accounts: ACCOUNTS}))).toEqual({
			message: 'Which account?',
			choices: [
				{value: 'dev', label: 'dev', hint: '111111111111 · convox-dev'},
				{value: 'prod', label: 'prod', hint: '222222222222 · convox-prod · PRODUCTION'},
			],
		});
	});

	it('is none when the run may ask or say something else first', async () => {
		const config = {accounts: ACCOUNTS};
		expect(firstAccountQuestion(await inputWith(config, {name: 'resume'}))).toBeUndefined();
		expect(firstAccountQuestion(await inputWith(config, {}, {env: 'dev'}))).toBeUndefined();
		expect(firstAccountQuestion(await inputWith(config, {}, {rehearse: true}))).toBeUndefined();
		expect(firstAccountQuestion(await inputWith(config, {state: 's3://bucket/prefix'}))).toBeUndefined();
		expect(firstAccountQuestion(await inputWith({...config, fleets: {all: {waves: [['dev'], ['prod']]}}}))).toBeUndefined();
		expect(firstAccountQuestion(await inputWith('{"accounts": '))).toBeUndefined();
		expect(firstAccountQuestion(await inputWith({accounts: {dev: {accountId: 111111111111}}}))).toBeUndefined();
		expect(firstAccountQuestion(await inputWith({}, {configPath: path.join(dir, 'missing.json')}))).toBeUndefined();
	});

	it('reads the config file only for a run that asks the account first', async () => {
		let reads = 0;
		const counted = (input: CommandInput) =>
			questionOf(input, () => {
				reads++;
				return JSON.stringify({accounts: ACCOUNTS});
			});
		const config = {accounts: ACCOUNTS};
		for (const input of [
			await inputWith(config, {name: 'resume'}),
			await inputWith(config, {}, {env: 'dev'}),
			await inputWith(config, {}, {fleet: 'all'}),
			await inputWith(config, {}, {rehearse: true}),
			await inputWith(config, {state: 's3://bucket/prefix'}),
		])
			expect(counted(input)).toBeUndefined();
		expect(reads).toBe(0);
		expect(counted(await inputWith(config))?.message).toBe('Which account?');
		expect(reads).toBe(1);
	});
});
