import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';
import {
	createStackWorld,
	eventsOf,
	noticesOf,
	onImageRegistered,
	presetStackOn,
	startForeignUpdate,
	stepEvent,
	type StackWorld,
} from '../support/stack-e2e-world';

const worlds: StackWorld[] = [];
afterEach(async () => {
	await Promise.all(worlds.splice(0).map(world => world.close()));
});

async function world(options?: Parameters<typeof createStackWorld>[0]): Promise<StackWorld> {
	const created = await createStackWorld(options);
	worlds.push(created);
	return created;
}

const actions = (calls: Array<{action: string}>) => calls.map(call => call.action);
const FORBIDDEN_WRITES = ['ExecuteChangeSet', 'UpdateStack', 'CancelUpdateStack'];
const PLAIN_STACK_LINE = /^\s+stack \d\d:\d\d:\d\d (\S+) (\S+)(?: (.*))?$/;

describe('update-stack, end to end against the loopback CloudFormation', () => {
	it('a clean update: exit 0, the stack on the new AMI and version, and the same stack events in --json and plain output', async () => {
		const [jsonWorld, plainWorld] = await Promise.all([world(), world()]);
		const [json, plain] = await Promise.all([
			runCli([...jsonWorld.releaseArgs, '--json'], {cwd: jsonWorld.dir, env: jsonWorld.env}),
			runCli(plainWorld.releaseArgs, {cwd: plainWorld.dir, env: plainWorld.env}),
		]);
		expect(json.code, json.stderr).toBe(0);
		expect(plain.code, plain.stderr).toBe(0);

		const built = stepEvent(json.events, 'build', 'done');
		const done = stepEvent(json.events, 'update-stack', 'done');
		expect(done).toMatchObject({stackStatus: 'UPDATE_COMPLETE', previousAmi: '', previousVersion: '20160820033210'});
		expect(jsonWorld.aws.state.parameters('convox-dev')).toMatchObject({Ami: built?.amiId, Version: '20160916121812'});
		expect(actions(jsonWorld.aws.writes())).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
		expect(jsonWorld.aws.writes()[0]?.params).toMatchObject({Capabilities: ['CAPABILITY_IAM']});
		const changeSet = eventsOf(json.events, 'change-set')[0];
		expect(changeSet).toMatchObject({
			stackName: 'convox-dev',
			changes: expect.arrayContaining([expect.objectContaining({logicalId: 'LaunchConfiguration', replacement: 'True'})]),
		});
		expect(changeSet?.parameters).toEqual(
			expect.arrayContaining([
				{key: 'Version', old: '20160820033210', new: '20160916121812', masked: false},
				expect.objectContaining({key: 'Password', masked: true}),
			]),
		);
		expect(stepEvent(json.events, 'verify', 'done')).toMatchObject({passed: ['rack', 'instances', 'hello-world', 'metrics', 'logs']});

		const stackEvents = eventsOf(json.events, 'stack-event');
		expect(stackEvents.at(-1)).toMatchObject({resource: 'convox-dev', status: 'UPDATE_COMPLETE'});
		for (const event of stackEvents)
			expect(event).toEqual(
				expect.objectContaining({
					resource: expect.any(String),
					status: expect.any(String),
					reason: expect.any(String),
					timestamp: expect.any(String),
				}),
			);
		const plainFacts = plain.stdout.split('\n').flatMap(line => {
			const match = PLAIN_STACK_LINE.exec(line);
			return match ? [`${match[1]} ${match[2]}`] : [];
		});
		const jsonFacts = stackEvents.map(event => `${String(event.resource)} ${String(event.status)}`);
		expect(new Set(plainFacts)).toEqual(new Set(jsonFacts));
		expect(plainFacts.length).toBe(jsonFacts.length);
		expect(plain.stdout).toMatch(/Modify LaunchConfiguration \(AWS::AutoScaling::LaunchConfiguration\) REPLACED/);
		expect(plain.stdout).toContain('Version: 20160820033210 → 20160916121812');
		expect(plain.stdout).toMatch(/convox-dev is UPDATE_COMPLETE with Ami ami-\w+ and Version 20160916121812\./);
	});

	it('a rollback: exit 1 with the failed resource and its reason, never exit 0 on UPDATE_ROLLBACK_COMPLETE', async () => {
		const reason = 'Instance i-0e2ebad failed to signal: the ECS agent did not start';
		const [jsonWorld, plainWorld] = await Promise.all([
			world({aws: {scenario: 'rollback', failureReason: reason}}),
			world({aws: {scenario: 'rollback', failureReason: reason}}),
		]);
		const [json, plain] = await Promise.all([
			runCli([...jsonWorld.releaseArgs, '--json'], {cwd: jsonWorld.dir, env: jsonWorld.env}),
			runCli(plainWorld.releaseArgs, {cwd: plainWorld.dir, env: plainWorld.env}),
		]);
		const rootCause = `First failure: Instances (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: ${reason}`;
		for (const [result, stand] of [
			[json, jsonWorld],
			[plain, plainWorld],
		] as const) {
			expect(result.code).toBe(1);
			expect(stand.aws.state.stack('convox-dev').status).toBe('UPDATE_ROLLBACK_COMPLETE');
			expect(result.stderr).toContain('The update of convox-dev failed and CloudFormation rolled it back (UPDATE_ROLLBACK_COMPLETE).');
			expect(result.stderr).toContain(rootCause);
		}

		expect(eventsOf(json.events, 'stack-event')).toContainEqual(
			expect.objectContaining({resource: 'Instances', status: 'UPDATE_FAILED', reason}),
		);
		expect(eventsOf(json.events, 'stack-event').at(-1)).toMatchObject({resource: 'convox-dev', status: 'UPDATE_ROLLBACK_COMPLETE'});
		expect(eventsOf(json.events, 'error')[0]).toMatchObject({step: 'update-stack', message: expect.stringContaining(rootCause)});
		expect(json.events.at(-1)).toMatchObject({type: 'run', status: 'failed'});
		expect(stepEvent(json.events, 'verify', 'running')).toBeUndefined();
		const journal = JSON.parse(await readFile(path.join(jsonWorld.stateDir, 'runs', `${String(json.events[0]?.runId)}.json`), 'utf8'));
		expect(journal.steps.find((step: {id: string}) => step.id === 'update-stack')).toMatchObject({status: 'failed'});
		expect(plain.stdout).toMatch(new RegExp(`stack \\d\\d:\\d\\d:\\d\\d Instances UPDATE_FAILED ${reason}`));
		expect(plain.stdout).toMatch(/stack \d\d:\d\d:\d\d convox-dev UPDATE_ROLLBACK_COMPLETE/);
	});

	it('"No updates are to be performed": a stack already on the target is success, with nothing executed', async () => {
		const stand = await world();
		onImageRegistered(stand, image => presetStackOn(stand, image));
		const result = await runCli([...stand.releaseArgs, '--json'], {cwd: stand.dir, env: stand.env});
		expect(result.code, result.stderr).toBe(0);
		expect(noticesOf(result.events, 'update-stack').join('\n')).toMatch(
			/Nothing to change: CloudFormation says the stack already matches \(The submitted information didn't contain changes/,
		);
		expect(actions(stand.aws.writes())).toEqual(['CreateChangeSet', 'DeleteChangeSet']);
		expect(eventsOf(result.events, 'stack-event')).toEqual([]);
		expect(stepEvent(result.events, 'update-stack', 'done')).toMatchObject({stackStatus: 'UPDATE_COMPLETE'});
		expect(result.events.at(-1)).toMatchObject({type: 'run', status: 'finished'});
	});

	it('an update already in progress at the start is watched until it settles, then ours runs', async () => {
		const stand = await world({aws: {slowTicks: 20}});
		onImageRegistered(stand, () => startForeignUpdate(stand));
		const result = await runCli([...stand.releaseArgs, '--json'], {cwd: stand.dir, env: stand.env});
		expect(result.code, result.stderr).toBe(0);
		const notices = noticesOf(result.events, 'update-stack');
		expect(notices).toContain('The other update of convox-dev settled in UPDATE_COMPLETE.');
		const stackEvents = eventsOf(result.events, 'stack-event');
		const foreign = stackEvents.findIndex(event => event.resource === 'RackWebTasks');
		const changeSet = result.events.findIndex(event => event.type === 'change-set');
		expect(foreign).toBeGreaterThanOrEqual(0);
		expect(result.events.indexOf(stackEvents[foreign]!)).toBeLessThan(changeSet);
		expect(actions(stand.aws.writes())).toEqual(['CreateChangeSet', 'ExecuteChangeSet']);
		expect(stand.aws.state.parameters('convox-dev')).toMatchObject({ApiCpu: '256', Version: '20160916121812'});
	});

	it('--dry-run creates and deletes its change set and writes nothing else', async () => {
		const stand = await world();
		const result = await runCli(['release', '--env', 'dev', '--dry-run', '--yes', '--json'], {cwd: stand.dir, env: stand.env});
		expect(result.code, result.stderr).toBe(0);
		expect(actions(stand.aws.writes())).toEqual(['CreateChangeSet', 'DeleteChangeSet']);
		expect(actions(stand.aws.calls).filter(action => FORBIDDEN_WRITES.includes(action) || action === 'RegisterImage')).toEqual([]);
		expect(eventsOf(result.events, 'change-set')).toHaveLength(1);
		expect(noticesOf(result.events, 'update-stack').join('\n')).toMatch(
			/Dry run: change set \S+ was shown and deleted; convox-dev was not changed\./,
		);
		expect(stand.aws.state.parameters('convox-dev')).toMatchObject({Ami: '', Version: '20160820033210'});
		expect(stand.aws.state.stack('convox-dev').changeSets).toEqual([]);
	});
});
