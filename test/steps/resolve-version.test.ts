import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {stacksFromDescribeStacks} from '../../source/rehearsal/aws/state';
import {resolveVersionStep} from '../../source/steps/resolve-version';
import {MissingInputError, UsageError} from '../../source/core/errors';
import type {Flags} from '../../source/core/step';
import {ScriptedPrompter} from '../checklist/scripted-prompter';
import {stepWorlds, type StepWorld} from '../support/step-world';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const template2026 = fixture('releases/formation.20260421192651.json');
const AL2 = '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id';
const AL2023 = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';

const worlds = stepWorlds();

/** A rack on 20251210124504 (a 2026 template), the SSM parameters of both base images, the modern release files. */
function modernRack(ssmDenied?: string[]): Promise<StepWorld> {
	const [stack] = stacksFromDescribeStacks(fixture('cloudformation/describe-stacks.convox-rack.modern.json'));
	return worlds.start({
		aws: {
			stacks: [{...stack!, StackName: 'convox-dev', template: template2026, instances: 1}],
			ssmParameters: {[AL2]: 'ami-0c4bd6ac1ce6c0ad2', [AL2023]: 'ami-0e1d2c3b4a5f60718'},
			...(ssmDenied ? {ssmDenied} : {}),
			images: [
				{imageId: 'ami-0c4bd6ac1ce6c0ad2', name: 'amzn2-ami-ecs', architecture: 'x86_64', public: true},
				{imageId: 'ami-0e1d2c3b4a5f60718', name: 'al2023-ami-ecs', architecture: 'x86_64', public: true},
			],
		},
		releases: {
			versions: fixture('releases/versions.modern.sample.json'),
			formations: {
				'20251210124504': template2026,
				'20260212195551': template2026,
				'20260708102410': fixture('releases/formation.20260708102410.al2023.assembled.json'),
			},
		},
	});
}

const contextFor = (world: StepWorld, prompt: ScriptedPrompter, flags: Partial<Flags>) =>
	world.context('resolve-version', {prompt, flags, config: {buildInstanceTypes: {x86_64: 'c6i.large'}}});

describe('resolve-version: a pin past a required version', () => {
	it('asks the operator; no stops with nothing read from SSM, yes goes on and says so', async () => {
		const world = await modernRack();
		const refusing = new ScriptedPrompter(['no']);
		const pin = {convoxVersion: '20260708102410'};
		await expect(resolveVersionStep.run(contextFor(world, refusing, pin).ctx)).rejects.toThrow(UsageError);
		expect(refusing.asked).toEqual([
			{
				kind: 'confirm',
				message: expect.stringContaining('jumps over the required version 20260212195551 (the stack is on 20251210124504)'),
				remedy: '--yes --skip-required',
			},
		]);
		expect(world.aws.calls.filter(call => call.service === 'ssm')).toEqual([]);

		const agreeing = contextFor(world, new ScriptedPrompter(['yes']), pin);
		const outputs = await resolveVersionStep.run(agreeing.ctx);
		expect(outputs).toMatchObject({
			convoxVersion: '20260708102410',
			versionRule: 'pinned',
			amiParameter: AL2023,
			sourceAmi: 'ami-0e1d2c3b4a5f60718',
			buildInstanceType: 'c6i.large',
		});
		expect(agreeing.events).toContainEqual(
			expect.objectContaining({type: 'notice', level: 'warn', message: expect.stringContaining('(confirmed by the operator)')}),
		);
	});

	it('with nobody to ask it names --yes --skip-required; a pin of the required version itself is not asked about', async () => {
		const world = await modernRack();
		await expect(
			resolveVersionStep.run(contextFor(world, new ScriptedPrompter([], false), {convoxVersion: '20260708102410'}).ctx),
		).rejects.toThrow(MissingInputError);
		const quiet = new ScriptedPrompter([]);
		const outputs = await resolveVersionStep.run(contextFor(world, quiet, {convoxVersion: '20260212195551', yes: true}).ctx);
		expect(outputs).toMatchObject({convoxVersion: '20260212195551', versionRule: 'pinned', amiParameter: AL2});
		expect(quiet.asked).toEqual([]);
	});
});

describe('resolve-version: an SSM parameter that cannot be read', () => {
	it('access denied ends with the path, the account, the region and what to allow', async () => {
		const world = await modernRack([AL2]);
		const error = await resolveVersionStep
			.run(contextFor(world, new ScriptedPrompter([]), {yes: true}).ctx)
			.catch((caught: unknown) => caught as UsageError);
		expect(error).toBeInstanceOf(UsageError);
		expect((error as UsageError).message).toMatch(
			new RegExp(
				`^The SSM parameter ${AL2} cannot be read in account 111111111111, region us-east-1: access denied \\(User is not authorized to perform: ssm:GetParameter`,
			),
		);
		expect((error as UsageError).hint).toContain('Allow ssm:GetParameter on it.');
		expect(world.aws.calls.filter(call => call.service === 'ssm').map(call => call.error)).toEqual(['AccessDeniedException']);
	});
});
