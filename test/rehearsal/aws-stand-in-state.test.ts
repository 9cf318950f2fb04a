import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {
	CreateChangeSetCommand,
	DescribeChangeSetCommand,
	DescribeStacksCommand,
	ExecuteChangeSetCommand,
	type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import {GetCallerIdentityCommand} from '@aws-sdk/client-sts';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {rackStackSeed, startAwsStandIn, type AwsStandIn, type StandInData} from '../../source/rehearsal/aws-stand-in';
import {startReleasesStandIn, type ReleasesStandIn} from '../../source/rehearsal/releases-stand-in';
import {clients, parameterMap, settled} from './aws-clients';

const entry = fileURLToPath(new URL('../../source/rehearsal/aws-stand-in.ts', import.meta.url));
let directory: string;
let releases: ReleasesStandIn;
const running: AwsStandIn[] = [];
const processes: ChildProcess[] = [];

beforeEach(async () => {
	directory = await mkdtemp(join(tmpdir(), 'aws-stand-in-'));
	releases = await startReleasesStandIn();
});

afterEach(async () => {
	for (const child of processes.splice(0)) {
		child.kill('SIGKILL');
	}

	await Promise.all(running.splice(0).map(async standIn => standIn.close()));
	await releases.close();
	await rm(directory, {recursive: true, force: true});
});

async function startUpdate(cloudformation: CloudFormationClient, stackName = 'convox') {
	const {Stacks} = await cloudformation.send(new DescribeStacksCommand({StackName: stackName}));
	const parameters = Stacks![0]!.Parameters!.map(parameter =>
		parameter.ParameterKey === 'Ami'
			? {ParameterKey: 'Ami', ParameterValue: 'ami-0a7f3c9e21d4b5e86'}
			: {ParameterKey: parameter.ParameterKey, UsePreviousValue: true},
	);
	const {Id} = await cloudformation.send(
		new CreateChangeSetCommand({
			StackName: stackName,
			ChangeSetName: 'resumable',
			TemplateURL: `${releases.url}/20160820033210/formation.json`,
			Capabilities: ['CAPABILITY_IAM'],
			Parameters: parameters,
		}),
	);
	await new Promise(resolve => setTimeout(resolve, 30));
	await cloudformation.send(new ExecuteChangeSetCommand({ChangeSetName: Id}));
	return Id!;
}

async function runCli(args: string[]): Promise<{url: string; child: ChildProcess}> {
	const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {stdio: ['ignore', 'pipe', 'inherit']});
	processes.push(child);
	const lines = createInterface({input: child.stdout!});
	for await (const line of lines) {
		lines.close();
		return {url: (JSON.parse(line) as {url: string}).url, child};
	}

	throw new Error('the stand-in printed nothing');
}

describe('AWS stand-in state file', () => {
	it('keeps a stack mid-update across a restart and finishes the update', async () => {
		const stateFile = join(directory, 'aws.json');
		const first = await startAwsStandIn({stateFile, tickMs: 10, slowTicks: 2, stacks: [rackStackSeed({scenario: 'slow'})]});
		running.push(first);
		const changeSetId = await startUpdate(clients(first.url).cloudformation);
		await new Promise(resolve => setTimeout(resolve, 100));
		await first.close();
		const saved = JSON.parse(await readFile(stateFile, 'utf8')) as StandInData;
		expect(saved.stacks.convox!.status).toBe('UPDATE_IN_PROGRESS');
		const eventsAtStop = saved.stacks.convox!.events.length;

		const second = await startAwsStandIn({stateFile, tickMs: 10, slowTicks: 2, stacks: []});
		running.push(second);
		const {cloudformation} = clients(second.url);
		const stack = await settled(cloudformation, 'convox');
		expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
		expect(parameterMap(stack.Parameters).Ami).toBe('ami-0a7f3c9e21d4b5e86');
		expect(second.state.stack('convox').events.length).toBeGreaterThan(eventsAtStop);
		expect((await cloudformation.send(new DescribeChangeSetCommand({ChangeSetName: changeSetId}))).ExecutionStatus).toBe(
			'EXECUTE_COMPLETE',
		);
		expect(second.state.instancesOf('convox').every(instance => instance.imageId === 'ami-0a7f3c9e21d4b5e86')).toBe(true);
	});

	it('keeps a change set that was created but not executed', async () => {
		const stateFile = join(directory, 'aws.json');
		const first = await startAwsStandIn({stateFile, stacks: [rackStackSeed()], changeSetDelayMs: 0});
		running.push(first);
		const parameters = first.state
			.stack('convox')
			.parameters.map(parameter =>
				parameter.key === 'Version'
					? {ParameterKey: 'Version', ParameterValue: '20160916121812'}
					: {ParameterKey: parameter.key, UsePreviousValue: true},
			);
		await clients(first.url).cloudformation.send(
			new CreateChangeSetCommand({
				StackName: 'convox',
				ChangeSetName: 'pending',
				TemplateURL: `${releases.url}/20160916121812/formation.json`,
				Capabilities: ['CAPABILITY_IAM'],
				Parameters: parameters,
			}),
		);
		await first.close();

		const second = await startAwsStandIn({stateFile, changeSetDelayMs: 0});
		running.push(second);
		const changeSet = await clients(second.url).cloudformation.send(
			new DescribeChangeSetCommand({StackName: 'convox', ChangeSetName: 'pending'}),
		);
		expect(changeSet).toMatchObject({Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE'});
		expect(parameterMap(changeSet.Parameters).Version).toBe('20160916121812');
	});

	it('runs as its own process, prints its URL as one JSON line, and resumes from the state file after SIGKILL', async () => {
		const stateFile = join(directory, 'aws.json');
		const args = [
			'--port',
			'0',
			'--state',
			stateFile,
			'--scenario',
			'slow',
			'--tick-ms',
			'20',
			'--slow-ticks',
			'2',
			'--change-set-delay-ms',
			'20',
			'--stack-name',
			'convox-dev',
			'--identity',
			'AKIAPROD=222222222222',
		];
		const first = await runCli(args);
		expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(await clients(first.url, 'AKIAPROD').sts.send(new GetCallerIdentityCommand({}))).toMatchObject({Account: '222222222222'});
		await startUpdate(clients(first.url).cloudformation, 'convox-dev');
		first.child.kill('SIGKILL');

		const second = await runCli(args);
		const {Stacks} = await clients(second.url).cloudformation.send(new DescribeStacksCommand({StackName: 'convox-dev'}));
		expect(Stacks![0]!.StackStatus).toBe('UPDATE_IN_PROGRESS');
		const stack = await settled(clients(second.url).cloudformation, 'convox-dev', 20_000);
		expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
		expect(parameterMap(stack.Parameters).Ami).toBe('ami-0a7f3c9e21d4b5e86');
		second.child.kill('SIGTERM');
		const code = await new Promise(resolve => second.child.once('exit', resolve));
		expect(code).toBe(0);
	});
});
