import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {InstanceRecord, KeyPairRecord, SecurityGroupRecord} from '../../source/rehearsal/aws/model';
import {createChecklistWorld, type ChecklistWorld} from '../support/checklist-e2e-world';
import {runCliUntil, type CliOutcome, type KillWhen} from '../support/fault-cli';
import {PROMPT_READY} from '../support/ink-prompt';
import {runInPty, type PtySession} from '../support/pty';

const RELEASE = ['release', '--env', 'dev', '--yes', '--json', '--confirm', 'sumologic'];
const RESUME = ['resume', '--yes', '--json', '--confirm', 'sumologic'];
const ACCOUNT = '111111111111';

let worlds: ChecklistWorld[] = [];
afterEach(async () => {
	await Promise.all(worlds.map(world => world.close()));
	worlds = [];
});

/** Another build's leftovers in the same account and region: same Packer naming, other ids. */
const OTHER_RUN = {
	keyPair: {
		keyPairId: 'key-0other0000000001',
		keyName: 'packer_0ther000-0000-4000-8000-000000000001',
		accountId: ACCOUNT,
		region: 'us-east-1',
		tags: {},
	},
	group: {
		groupId: 'sg-0other00000000001',
		groupName: 'packer_0ther000-0000-4000-8000-000000000002',
		description: 'Temporary group for Packer',
		accountId: ACCOUNT,
		region: 'us-east-1',
		tags: {},
	},
	instance: {
		instanceId: 'i-0other00000000001',
		imageId: 'ami-6bb2d67c',
		state: 'stopped',
		stackName: '',
		instanceType: 't2.micro',
		launchTime: '2026-11-25T00:00:00.000Z',
		privateIpAddress: '10.0.8.200',
		tags: {Name: 'Packer Builder'},
		keyName: 'packer_0ther000-0000-4000-8000-000000000001',
		securityGroupIds: ['sg-0other00000000001'],
	},
} satisfies {keyPair: KeyPairRecord; group: SecurityGroupRecord; instance: InstanceRecord};

const notices = (outcome: CliOutcome) => outcome.events.filter(event => event.type === 'notice').map(event => String(event.message));

/** The release killed (CLI, keeper and Packer at once) after CreateImage, before Packer's clean-up; another run's leftovers beside it. */
async function killedAfterTheAmi(): Promise<{
	world: ChecklistWorld;
	args: (command: string[]) => string[];
	created: {keyPair: string; group: string; instance: string};
}> {
	const world = await createChecklistWorld({released: false, extraEnv: {FAKE_PACKER_AWS: '1', FAKE_PACKER_AFTER_AMI_MS: '5000'}});
	worlds.push(world);
	const args = (command: string[]) => [...command, '--config', world.configPath, '--state-dir', world.stateDir];
	const killWhen: KillWhen = event => event.type === 'log' && String(event.line).includes('Waiting for AMI to become ready');
	const killed = await runCliUntil(args(RELEASE), {env: world.env, killWhen});
	expect(killed.killed).toBe(true);
	const data = world.aws.state.data;
	const [keyPair] = data.keyPairs ?? [];
	const [group] = data.securityGroups ?? [];
	const instance = data.instances.find(candidate => candidate.tags?.Name === 'Packer Builder');
	expect(instance?.state, 'the builder instance stopped for CreateImage, never terminated').toBe('stopped');
	expect(keyPair && group, 'the key pair and security group are still there').toBeTruthy();
	data.keyPairs!.push({...OTHER_RUN.keyPair});
	data.securityGroups!.push({...OTHER_RUN.group});
	data.instances.push({...OTHER_RUN.instance});
	return {world, args, created: {keyPair: keyPair!.keyName, group: group!.groupId, instance: instance!.instanceId}};
}

function otherRunUntouched(world: ChecklistWorld): void {
	const data = world.aws.state.data;
	expect(data.keyPairs?.map(pair => pair.keyName)).toContain(OTHER_RUN.keyPair.keyName);
	expect(data.securityGroups?.map(group => group.groupId)).toContain(OTHER_RUN.group.groupId);
	expect(data.instances.find(instance => instance.instanceId === OTHER_RUN.instance.instanceId)?.state).toBe('stopped');
	const deletes = world.aws.calls.filter(call => ['TerminateInstances', 'DeleteKeyPair', 'DeleteSecurityGroup'].includes(call.action));
	expect(JSON.stringify(deletes.map(call => call.params))).not.toContain('0other');
}

describe('what a killed Packer leaves behind', () => {
	it('the resume adopts the AMI, names the builder instance, key pair and security group of this run, and removes exactly those', async () => {
		const {world, args, created} = await killedAfterTheAmi();
		const resumed = await runCliUntil(args(RESUME), {env: world.env});
		expect(resumed.exitCode, resumed.stderr).toBe(0);
		const said = notices(resumed);
		expect(said.some(message => /^Adopted AMI ami-\w+ .*not building again/.test(message))).toBe(true);
		const found = said.find(message => message.startsWith('The interrupted Packer left behind in us-east-1:'));
		expect(found).toContain(`EC2 instance ${created.instance} (stopped)`);
		expect(found).toContain(`key pair ${created.keyPair}`);
		expect(found).toContain(`security group ${created.group}`);
		expect(said).toContain(
			`Removed what the interrupted Packer left behind: EC2 instance ${created.instance} (stopped), key pair ${created.keyPair}, security group ${created.group} (${world.aws.calls.find(call => call.action === 'CreateSecurityGroup')!.params.GroupName as string}).`,
		);
		const data = world.aws.state.data;
		expect(data.instances.find(instance => instance.instanceId === created.instance)?.state).toBe('terminated');
		expect(data.keyPairs?.map(pair => pair.keyName)).toEqual([OTHER_RUN.keyPair.keyName]);
		expect(data.securityGroups?.map(group => group.groupId)).toEqual([OTHER_RUN.group.groupId]);
		otherRunUntouched(world);
		const runId = resumed.events.find(event => event.type === 'run')!.runId as string;
		const report = await readFile(path.join(world.stateDir, 'runs', `${runId}.report.md`), 'utf8');
		expect(report).toContain(`Removed what the interrupted Packer left behind: EC2 instance ${created.instance}`);
	}, 120_000);

	it('without --yes and nobody to answer, nothing is removed: they are named with the commands that remove them', async () => {
		const {world, args, created} = await killedAfterTheAmi();
		const resumed = await runCliUntil(args(['resume', '--json']), {env: world.env});
		const left = notices(resumed).find(message => message.startsWith('Left in place: '));
		expect(left, resumed.stderr).toContain(
			`Remove them with: aws ec2 terminate-instances --region us-east-1 --instance-ids ${created.instance}`,
		);
		expect(left).toContain(`aws ec2 delete-key-pair --region us-east-1 --key-name ${created.keyPair}`);
		expect(world.aws.calls.filter(call => ['TerminateInstances', 'DeleteKeyPair', 'DeleteSecurityGroup'].includes(call.action))).toEqual(
			[],
		);
		expect(world.aws.state.data.instances.find(instance => instance.instanceId === created.instance)?.state).toBe('stopped');
		expect(world.aws.state.data.securityGroups?.map(group => group.groupId)).toContain(created.group);
	}, 120_000);

	it('a delete EC2 refuses is reported with the command to run, the others are removed and the release goes on', async () => {
		const {world, args, created} = await killedAfterTheAmi();
		// Packer's documented policy has no ec2:DescribeKeyPairs: the key pair is named unchecked, and deleted.
		world.aws.state.data.ec2Denied = ['DeleteSecurityGroup', 'DescribeKeyPairs'];
		const resumed = await runCliUntil(args(RESUME), {env: world.env});
		expect(resumed.exitCode, resumed.stderr).toBe(0);
		const said = notices(resumed);
		expect(said.find(message => message.startsWith('The interrupted Packer left behind'))).toContain(
			`key pair ${created.keyPair} (if it is still there)`,
		);
		expect(said.find(message => message.startsWith(`Could not remove security group ${created.group}`))).toMatch(
			new RegExp(`not authorized .*Remove it with: aws ec2 delete-security-group --region us-east-1 --group-id ${created.group}$`),
		);
		expect(world.aws.state.data.instances.find(instance => instance.instanceId === created.instance)?.state).toBe('terminated');
		expect(world.aws.state.data.keyPairs?.map(pair => pair.keyName)).not.toContain(created.keyPair);
		expect(world.aws.state.data.securityGroups?.map(group => group.groupId)).toContain(created.group);
		expect(resumed.events.find(event => event.type === 'run' && event.status === 'finished')).toBeDefined();
		otherRunUntouched(world);
	}, 120_000);
});

/** Keys that come before a prompt takes keys are dropped: pressed again until the screen shows they were taken. */
async function pressUntil(session: PtySession, keys: string, taken: RegExp): Promise<void> {
	for (let tries = 0; !taken.test(session.screen()); tries++) {
		session.write(keys);
		await session.waitFor(taken, 2000).catch((error: unknown) => {
			if (tries >= 10) throw error;
		});
	}
}

describe('what a killed Packer leaves behind in a production account, in a real terminal', () => {
	it('the resume removes them only after the account id is typed: a wrong id is refused, nothing removed until the right one', async () => {
		const {world, args, created} = await killedAfterTheAmi();
		const config = JSON.parse(await readFile(world.configPath, 'utf8')) as {accounts: {dev: Record<string, unknown>}};
		config.accounts.dev.production = true;
		await writeFile(world.configPath, JSON.stringify(config));
		const env: NodeJS.ProcessEnv = {...world.env};
		delete env.CI;
		const removals = () =>
			world.aws.calls.filter(call => ['TerminateInstances', 'DeleteKeyPair', 'DeleteSecurityGroup'].includes(call.action));
		const session = runInPty(args(['resume']), {cwd: world.dir, env, cols: 200});
		try {
			const confirm = new RegExp(`│ Remove EC2 instance ${created.instance} \\(stopped\\)[\\s\\S]*${PROMPT_READY}`);
			const typeTheId = new RegExp(`They are in the PRODUCTION account ${ACCOUNT}. Type its id to remove them:[\\s\\S]*${PROMPT_READY}`);
			await session.waitFor(confirm, 60_000);
			await pressUntil(session, 'y', typeTheId);
			await pressUntil(session, '111111111112', /│ 111111111112/);
			session.write('\r');
			await session.waitFor(`Type ${ACCOUNT} exactly`);
			expect(removals(), 'nothing removed before the id is typed').toEqual([]);
			await pressUntil(session, '\u007f', /│ 11111111111\s+│/);
			await pressUntil(session, '1', new RegExp(`│ ${ACCOUNT}\\s+│`));
			session.write('\r');
			await session.waitFor(`Removed what the interrupted Packer left behind: EC2 instance ${created.instance}`, 60_000);
			expect(world.aws.state.data.instances.find(instance => instance.instanceId === created.instance)?.state).toBe('terminated');
			expect(world.aws.state.data.keyPairs?.map(pair => pair.keyName)).toEqual([OTHER_RUN.keyPair.keyName]);
			otherRunUntouched(world);
		} finally {
			session.kill();
		}
	}, 180_000);
});
