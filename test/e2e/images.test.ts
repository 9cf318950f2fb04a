import {mkdtempSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {rackStackSeed} from '../../source/rehearsal/aws-stand-in';
import {JournalStore} from '../../source/workflow/journal-store';
import {rehearsalEnv, runCli, sharedCliWorld, WRONG_KEY} from '../support/cli-env';
import {finishedRun} from '../support/prune-world';
import {runInPty} from '../support/pty';

const DEV = '111111111111';
const STACK_AMI = 'ami-0a00000000000001a';
const ROLLBACK_AMI = 'ami-0a00000000000002b';
const TEMPLATE_AMI = 'ami-0a00000000000003c';
const INSTANCE_AMI = 'ami-0a00000000000004d';
const UNUSED_AMI = 'ami-0a00000000000005e';

const tagged = (imageId: string, runId: string, creationDate: string) => ({
	imageId,
	name: `convox-dev-${imageId.slice(-3)}`,
	ownerId: DEV,
	region: 'us-east-1',
	creationDate,
	tags: {ReleaseRun: runId, ConvoxVersion: '20160820033210', SourceAmi: 'ami-6bb2d67c'},
});

const shared = sharedCliWorld({
	aws: {
		stacks: [rackStackSeed({stackName: 'convox-dev', parameters: {Ami: STACK_AMI}})],
		images: [
			tagged(STACK_AMI, 'r-stack', '2026-11-20T10:00:00.000Z'),
			// Built by an operator's template without our tags: known from the journal only.
			{imageId: ROLLBACK_AMI, name: 'operator-build', ownerId: DEV, region: 'us-east-1', creationDate: '2026-10-01T10:00:00.000Z'},
			tagged(TEMPLATE_AMI, 'r-template', '2026-09-01T10:00:00.000Z'),
			tagged(INSTANCE_AMI, 'r-instance', '2026-08-01T10:00:00.000Z'),
			{...tagged(UNUSED_AMI, 'r-unused', '2026-07-01T10:00:00.000Z'), lastLaunchedTime: '2026-07-15T00:00:00Z'},
			{...tagged('ami-0b00000000000006f', 'r-other', '2026-07-01T10:00:00.000Z'), ownerId: '222222222222'},
			{imageId: 'ami-0c000000000000070', name: 'not-ours', ownerId: DEV, region: 'us-east-1'},
		],
		launchTemplates: [{name: 'builder', accountId: DEV, region: 'us-east-1', imageId: TEMPLATE_AMI, versionNumber: 2}],
		looseInstances: [{name: 'bastion', imageId: INSTANCE_AMI}],
	},
});

async function journalWithRuns(stateDir: string): Promise<void> {
	const store = new JournalStore(stateDir);
	await store.ensureWritable();
	store.save(finishedRun('r-operator', {build: {amiId: ROLLBACK_AMI, amiIds: {'us-east-1': ROLLBACK_AMI}}}));
	store.save(
		finishedRun('r-stack', {
			build: {amiId: STACK_AMI, amiIds: {'us-east-1': STACK_AMI}},
			'update-stack': {stackStatus: 'UPDATE_COMPLETE', previousAmi: ROLLBACK_AMI, previousVersion: '20160820033210', changeSetName: null},
		}),
	);
}

describe('convox-ami images', () => {
	it('lists our AMIs with each kind of use, as JSON lines and as a table', async () => {
		const stateDir = shared.stateDir();
		await journalWithRuns(stateDir);
		const listed = await shared.run(['images', '--env', 'dev', '--json'], stateDir);
		expect(listed.code, listed.stderr).toBe(0);
		const byId = Object.fromEntries(listed.events.map(row => [row.imageId, row]));
		expect(Object.keys(byId)).toEqual([STACK_AMI, ROLLBACK_AMI, TEMPLATE_AMI, INSTANCE_AMI, UNUSED_AMI]);
		expect(byId[STACK_AMI]).toMatchObject({
			region: 'us-east-1',
			accountId: DEV,
			account: 'dev',
			convoxVersion: '20160820033210',
			sourceAmi: 'ami-6bb2d67c',
			runId: 'r-stack',
			usedBy: {stacks: ['convox-dev'], rollbackOf: [], launchTemplates: []},
		});
		expect((byId[STACK_AMI]!.usedBy as {instances: string[]}).instances).toHaveLength(3);
		expect(byId[ROLLBACK_AMI]).toMatchObject({
			runId: 'r-operator',
			usedBy: {stacks: [], rollbackOf: [{rack: 'dev', runId: 'r-stack'}], launchTemplates: [], instances: []},
		});
		expect(byId[TEMPLATE_AMI]).toMatchObject({usedBy: {launchTemplates: [{name: 'builder', version: 2}], instances: []}});
		expect(byId[INSTANCE_AMI]).toMatchObject({usedBy: {stacks: [], launchTemplates: [], instances: [expect.stringMatching(/^i-/)]}});
		expect(byId[UNUSED_AMI]).toMatchObject({
			usedBy: {stacks: [], rollbackOf: [], launchTemplates: [], instances: []},
			lastLaunchedAt: '2026-07-15T00:00:00Z',
			createdAt: '2026-07-01T10:00:00.000Z',
			ageDays: expect.any(Number),
		});

		const table = await shared.run(['images', '--env', 'dev'], stateDir);
		expect(table.code, table.stderr).toBe(0);
		const lines = table.stdout.trimEnd().split('\n');
		expect(lines[0]).toMatch(/^IMAGE\s+REGION\s+ACCOUNT\s+NAME\s+AGE\s+CONVOX\s+BASE\s+RUN\s+LAST LAUNCHED\s+IN USE$/);
		expect(lines.find(line => line.startsWith(STACK_AMI))).toMatch(/stack convox-dev, 3 instances$/);
		expect(lines.find(line => line.startsWith(ROLLBACK_AMI))).toMatch(/rollback of dev$/);
		expect(lines.find(line => line.startsWith(UNUSED_AMI))).toMatch(/2026-07-15\s+unused$/);
	});

	it('says so when no AMI is found', async () => {
		const listed = await shared.run(['images', '--env', 'dev', '--region', 'eu-west-1']);
		expect(listed.code, listed.stderr).toBe(0);
		expect(listed.stdout).toBe('No AMI made by convox-ami in 111111111111 eu-west-1.\n');
		const json = await shared.run(['images', '--env', 'dev', '--region', 'eu-west-1', '--json']);
		expect([json.code, json.stdout, json.stderr]).toEqual([0, '', 'No AMI made by convox-ami in 111111111111 eu-west-1.\n']);
	});

	it('refuses credentials of another account with exit 2, before reading anything', async () => {
		for (const args of [['images', '--env', 'wrong'], ['images']]) {
			const before = shared.world.aws.calls.length;
			const refused = await shared.run(args);
			expect(refused.code).toBe(2);
			expect(refused.stderr).toContain('Wrong AWS account: the credentials of profile convox-wrong belong to 999999999999');
			const calls = shared.world.aws.calls.slice(before);
			expect(calls.filter(call => call.accessKeyId === WRONG_KEY).map(call => call.action)).toEqual(['GetCallerIdentity']);
			expect(calls.filter(call => call.service !== 'sts')).toEqual([]);
		}
	});
});

describe('convox-ami --rehearse images', () => {
	it('lists the rehearsal world’s earlier AMIs and where they are used', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-images-'));
		const listed = await runCli(['--rehearse', 'images', '--json'], {cwd, env: rehearsalEnv(cwd)});
		expect(listed.code, listed.stderr).toBe(0);
		const usesOf = (usedBy: Record<string, unknown[]>) => Object.keys(usedBy).filter(kind => usedBy[kind]!.length > 0);
		const used = listed.events.filter(row => usesOf(row.usedBy as Record<string, unknown[]>).length > 0);
		expect(used.map(row => [row.imageId, row.account, usesOf(row.usedBy as Record<string, unknown[]>)])).toEqual([
			['ami-0e1a2b3c4d5e6f702', 'dev', ['instances']],
			['ami-0e1a2b3c4d5e6f701', 'dev', ['launchTemplates']],
			['ami-0e1a2b3c4d5e6f723', 'prod', ['launchConfigurations']],
		]);
		// A year of releases: thirteen in dev, five in prod, newest first.
		expect(listed.events.filter(row => row.account === 'dev')).toHaveLength(13);
		expect(listed.events.filter(row => row.account === 'prod')).toHaveLength(5);
		const ages = listed.events.filter(row => row.account === 'dev').map(row => row.ageDays as number);
		expect(ages).toEqual([...ages].sort((a, b) => a - b));
		const copies = await runCli(['--rehearse', 'images', '--region', 'eu-west-1', '--json'], {cwd, env: rehearsalEnv(cwd)});
		expect(copies.events.map(row => row.imageId)).toEqual(['ami-0e1a2b3c4d5e6f706', 'ami-0e1a2b3c4d5e6f704']);
		expect(copies.events[1]).toMatchObject({runId: expect.stringMatching(/^fleet-\d{8}-101500-dev-1c7d-all$/)});
	});
});

describe('convox-ami images in a terminal', () => {
	it('draws the same columns with Ink, unused images dimmed', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-images-tty-'));
		const session = runInPty(['--rehearse', 'images', '--env', 'dev'], {cwd, env: rehearsalEnv(cwd), cols: 220});
		try {
			expect(await session.exited).toBe(0);
			const lines = session.screen().split('\n');
			const heading = lines.findIndex(line =>
				/^IMAGE\s+REGION\s+ACCOUNT\s+NAME\s+AGE\s+CONVOX\s+BASE\s+RUN\s+LAST LAUNCHED\s+IN USE$/.test(line),
			);
			expect(heading).toBeGreaterThanOrEqual(0);
			expect(lines.slice(heading + 1).filter(line => line.startsWith('ami-'))).toHaveLength(13);
			expect(lines.find(line => line.startsWith('ami-0e1a2b3c4d5e6f701'))).toMatch(/launch template convox-dev-build-host$/);
			// SGR 2 (dim) before an unused image's row.
			expect(session.output()).toContain('\u001B[2mami-0e1a2b3c4d5e6f703');
		} finally {
			session.kill();
		}
	});
});
