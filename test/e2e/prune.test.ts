import {spawn} from 'node:child_process';
import {mkdtempSync} from 'node:fs';
import {readdir, readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import type {PruneJournal} from '../../source/images/prune-journal';
import {DEV_KEY, exists, rehearsalEnv, runCli, sharedCliWorld, type SharedCliWorld} from '../support/cli-env';
import {CLI, runInPty} from '../support/pty';
import {AMI, holdingProxy, journalWithRollbackTarget, pruneWorldAws} from '../support/prune-world';

const LIFECYCLE = new Set(['EnableImageDeprecation', 'DisableImage', 'EnableImage', 'DeregisterImage', 'DeleteSnapshot']);

/** The image-changing calls the stand-in answered since `from`, as `Action ImageId`. */
function lifecycleCalls(shared: SharedCliWorld, from = 0): string[] {
	return shared.world.aws.calls
		.slice(from)
		.filter(call => LIFECYCLE.has(call.action))
		.map(call => `${call.action} ${String(call.params.ImageId)}`);
}

async function prunes(stateDir: string): Promise<PruneJournal[]> {
	const dir = path.join(stateDir, 'prunes');
	const files = await readdir(dir);
	return Promise.all(files.map(async file => JSON.parse(await readFile(path.join(dir, file), 'utf8')) as PruneJournal));
}

const KEPT = [AMI.stack, AMI.rollback, AMI.template, AMI.instance, AMI.protected, AMI.newest1, AMI.young, AMI.launchedSince];

describe('convox-ami prune', () => {
	const shared = sharedCliWorld({aws: pruneWorldAws});

	it('plans every image with its stage, next stage and rule; --dry-run changes nothing and writes no journal', async () => {
		const stateDir = shared.stateDir();
		await journalWithRollbackTarget(stateDir);
		const before = shared.world.aws.calls.length;
		const planned = await shared.run(['prune', '--env', 'dev', '--dry-run', '--json'], stateDir);
		expect(planned.code, planned.stderr).toBe(0);
		const plan = Object.fromEntries(planned.events.map(entry => [entry.imageId, entry]));
		expect(plan[AMI.stack]).toMatchObject({rule: 'in-use', next: null, why: expect.stringContaining('stack convox-dev')});
		expect(plan[AMI.rollback]).toMatchObject({rule: 'rollback-target', next: null, why: expect.stringContaining('dev (rollback r-stack)')});
		expect(plan[AMI.template]).toMatchObject({rule: 'in-use', why: expect.stringContaining('launch template builder')});
		expect(plan[AMI.instance]).toMatchObject({rule: 'in-use', why: expect.stringMatching(/1 instance\(s\) \(i-/)});
		expect(plan[AMI.protected]).toMatchObject({rule: 'protected', next: null});
		for (const newest of [AMI.newest1, AMI.newest2, AMI.newest3]) expect(plan[newest]).toMatchObject({rule: 'newest', next: null});
		expect(plan[AMI.young]).toMatchObject({rule: 'young', next: null, why: '25 days old, younger than 30'});
		expect(plan[AMI.launchedSince]).toMatchObject({rule: 'launched', stage: 'deprecated', next: null});
		expect(plan[AMI.toDeprecate]).toMatchObject({stage: 'available', next: 'deprecate', rule: 'retire'});
		expect(plan[AMI.inGrace]).toMatchObject({stage: 'deprecated', next: null, rule: 'grace'});
		expect(plan[AMI.toDisable]).toMatchObject({stage: 'deprecated', next: 'disable', rule: 'retire'});
		expect(plan[AMI.disabledInGrace]).toMatchObject({stage: 'disabled', next: null, rule: 'grace'});
		expect(plan[AMI.toDeregister]).toMatchObject({
			stage: 'disabled',
			next: 'deregister',
			snapshots: [{snapshotId: `snap-${AMI.toDeregister.slice(4)}`, sizeGiB: 8}],
		});
		expect(planned.stderr).toContain(
			'Recycle Bin in 111111111111 us-east-1: rule rule-ami-week (AMIs) keeps AMIs tagged Team=convox for 7 days.',
		);
		expect(planned.events).toContainEqual(
			expect.objectContaining({type: 'recycle-bin', rules: [expect.objectContaining({id: 'rule-ami-week'})]}),
		);
		const listRules = shared.world.aws.calls.slice(before).filter(call => call.service === 'rbin');
		expect(listRules.map(call => [call.action, call.params.ResourceType, call.accessKeyId, call.region])).toEqual([
			['ListRules', 'EC2_IMAGE', DEV_KEY, 'us-east-1'],
		]);
		expect(planned.stderr).toContain('Dry run: nothing was changed.');
		expect(lifecycleCalls(shared, before)).toEqual([]);
		expect(await exists(path.join(stateDir, 'prunes'))).toBe(false);

		const unreachable = await runCli(['prune', '--env', 'dev', '--dry-run', '--state-dir', stateDir], {
			cwd: shared.world.dir,
			env: {...shared.world.env, AWS_ENDPOINT_URL_RBIN: 'http://127.0.0.1:9'},
		});
		expect(unreachable.code, unreachable.stderr).toBe(0);
		expect(unreachable.stdout).toMatch(/^Recycle Bin in 111111111111 us-east-1 not checked \(.+\): unless a retention rule/m);

		const table = await shared.run(['prune', '--env', 'dev', '--dry-run', '--keep', '1', '--min-age', '11'], stateDir);
		expect(table.stdout).toMatch(/^IMAGE\s+REGION\s+ACCOUNT\s+AGE\s+STAGE\s+NEXT\s+RULE\s+WHY$/m);
		expect(table.stdout).toMatch(new RegExp(`^${AMI.newest2}\\s.*\\syoung\\s+10 days old, younger than 11$`, 'm'));
		expect(table.stdout).toMatch(new RegExp(`^${AMI.young}\\s.*\\sdeprecate\\s+retire\\s`, 'm'));
	});

	it('refuses to prune without --yes when nobody can confirm, naming the flag', async () => {
		const before = shared.world.aws.calls.length;
		const refused = await shared.run(['prune', '--env', 'dev']);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toContain('Pass --yes');
		expect(lifecycleCalls(shared, before)).toEqual([]);
	});
});

describe('convox-ami prune --yes', () => {
	const shared = sharedCliWorld({aws: pruneWorldAws});

	it('moves each retired image one stage, never one that is kept; refusals are reported and the rest goes on', async () => {
		const stateDir = shared.stateDir();
		await journalWithRollbackTarget(stateDir);
		const pruned = await shared.run(['prune', '--env', 'dev', '--yes'], stateDir);
		expect(pruned.code, pruned.stderr).toBe(1);
		expect(lifecycleCalls(shared)).toEqual([
			`EnableImageDeprecation ${AMI.toDeprecate}`,
			`DisableImage ${AMI.toDisable}`,
			`DeregisterImage ${AMI.toDeregister}`,
			`EnableImageDeprecation ${AMI.refused}`,
			`DisableImage ${AMI.unavailable}`,
		]);
		expect(pruned.stdout).toMatch(/✗ deprecate ami-0a000000000000010 \(us-east-1\): failed, UnauthorizedOperation: /);
		expect(pruned.stdout).toMatch(/✗ disable ami-0a000000000000011 \(us-east-1\): failed, InvalidAMIID.Unavailable: /);
		expect(pruned.stdout).toContain('3 done, 2 refused, 0 skipped');

		const {state} = shared.world.aws;
		for (const kept of KEPT) expect(state.image(kept), kept).toMatchObject({state: 'available'});
		expect(state.image(AMI.stack)?.deprecationTime).toBeUndefined();
		expect(state.image(AMI.toDeprecate)?.deprecationTime).toEqual(expect.any(String));
		expect(state.image(AMI.toDisable)?.state).toBe('disabled');
		// Deregistered with its snapshot in one call.
		expect(state.image(AMI.toDeregister)).toBeUndefined();
		expect(state.data.deletedSnapshots).toEqual([`snap-${AMI.toDeregister.slice(4)}`]);
		const deregister = shared.world.aws.calls.find(call => call.action === 'DeregisterImage');
		expect(deregister?.params.DeleteAssociatedSnapshots).toBe('true');
		const [journal] = await prunes(stateDir);
		expect(journal).toMatchObject({status: 'finished', selection: '--env dev', keep: 3, minAgeDays: 30});
		expect(journal!.steps.map(step => step.status)).toEqual(['done', 'done', 'done', 'failed', 'failed']);

		// Run again at once: each image waits out its grace period; nothing is called but the refused ones.
		const before = shared.world.aws.calls.length;
		const again = await shared.run(['prune', '--env', 'dev', '--yes', '--json'], stateDir);
		const plan = Object.fromEntries(again.events.filter(event => event.type === 'plan').map(entry => [entry.imageId, entry]));
		expect(plan[AMI.toDeprecate]).toMatchObject({stage: 'deprecated', next: null, rule: 'grace'});
		expect(plan[AMI.toDisable]).toMatchObject({stage: 'disabled', next: null, rule: 'grace'});
		expect(plan[AMI.toDeregister]).toBeUndefined();
		expect(lifecycleCalls(shared, before)).toEqual([`EnableImageDeprecation ${AMI.refused}`, `DisableImage ${AMI.unavailable}`]);
	});
});

describe('convox-ami prune killed half-way', () => {
	const shared = sharedCliWorld({aws: pruneWorldAws});

	it('continues on the next prune without making a call twice', async () => {
		const stateDir = shared.stateDir();
		await journalWithRollbackTarget(stateDir);
		const proxy = await holdingProxy(shared.world.aws.url, 'DisableImage');
		try {
			const child = spawn(process.execPath, [CLI, 'prune', '--env', 'dev', '--yes', '--state-dir', stateDir], {
				cwd: shared.world.dir,
				env: {...shared.world.env, AWS_ENDPOINT_URL_EC2: proxy.url},
				stdio: 'ignore',
			});
			const exited = new Promise(resolve => child.on('exit', resolve));
			await proxy.held;
			child.kill('SIGKILL');
			await exited;
		} finally {
			await proxy.close();
		}
		// The disable was made, but the killed prune never heard so.
		expect(shared.world.aws.state.image(AMI.toDisable)?.state).toBe('disabled');
		const [killed] = await prunes(stateDir);
		expect(killed!.status).toBe('running');
		expect(killed!.steps.slice(0, 2).map(step => step.status)).toEqual(['done', 'running']);

		const before = shared.world.aws.calls.length;
		const other = await shared.run(['prune', '--yes'], stateDir);
		expect(other.code).toBe(2);
		// The killed prune's lock is taken over: its process no longer runs.
		expect(other.stderr).toContain('Took over the lock');
		expect(other.stderr).toContain(`The prune ${killed!.id} (--env dev) was interrupted and is not finished.`);
		expect(other.stderr).toContain('Finish it first: convox-ami prune --env dev');
		expect(shared.world.aws.calls.slice(before)).toEqual([]);

		const continued = await shared.run(['prune', '--env', 'dev', '--yes'], stateDir);
		expect(continued.stdout).toContain(`Continuing the interrupted prune ${killed!.id}`);
		expect(continued.stdout).toContain(`✓ disable ${AMI.toDisable} (us-east-1): done, found done`);
		const calls = lifecycleCalls(shared);
		expect(calls).toEqual([...new Set(calls)]);
		expect(calls).toEqual([
			`EnableImageDeprecation ${AMI.toDeprecate}`,
			`DisableImage ${AMI.toDisable}`,
			`DeregisterImage ${AMI.toDeregister}`,
			`EnableImageDeprecation ${AMI.refused}`,
			`DisableImage ${AMI.unavailable}`,
		]);
		const [finished] = await prunes(stateDir);
		expect(finished).toMatchObject({id: killed!.id, status: 'finished'});
	});
});

describe('convox-ami prune in a production account', () => {
	const shared = sharedCliWorld({
		aws: {...pruneWorldAws, recycleBinRules: []},
		config: {
			region: 'us-east-1',
			accounts: {prod: {profile: 'convox-dev', accountId: '111111111111', stackName: 'convox-dev', production: true}},
		},
	});

	it('with --json and no --yes, stops at the confirmation naming --yes; nothing is changed', async () => {
		const refused = await shared.run(['prune', '--json']);
		expect(refused.code).toBe(2);
		expect(refused.events.at(-1)).toMatchObject({type: 'error', hint: expect.stringContaining('--yes')});
		expect(refused.stderr).toContain(
			'Recycle Bin in 111111111111 us-east-1: no retention rule for EC2 images. A deregistered AMI cannot be restored.',
		);
		expect(lifecycleCalls(shared)).toEqual([]);
	});
});

describe('convox-ami prune in a production account, in a real terminal', () => {
	const shared = sharedCliWorld({
		aws: pruneWorldAws,
		config: {
			region: 'us-east-1',
			accounts: {prod: {profile: 'convox-dev', accountId: '111111111111', stackName: 'convox-dev', production: true}},
		},
	});

	it('asks for the account id typed out before the first call', async () => {
		const env: NodeJS.ProcessEnv = {...shared.world.env};
		delete env.CI;
		const session = runInPty(['prune', '--state-dir', shared.stateDir()], {cwd: shared.world.dir, env, cols: 200});
		try {
			await session.waitFor('Make these 6 change(s)?');
			session.write('y');
			session.write('\r');
			await session.waitFor('is a PRODUCTION account. Type its id to prune:');
			expect(lifecycleCalls(shared)).toEqual([]);
			session.write('111111111112\r');
			await session.waitFor('Type 111111111111 exactly');
			session.write('\u007f1\r');
			expect(await session.exited).toBe(1);
			expect(lifecycleCalls(shared)).toHaveLength(6);
		} finally {
			session.kill();
		}
	});
});

describe('convox-ami --rehearse prune', () => {
	it('names every keep rule in the plan and retires the old AMIs one stage, never one in use', async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-prune-'));
		const pruned = await runCli(['--rehearse', 'prune', '--yes', '--json'], {cwd, env: rehearsalEnv(cwd)});
		expect(pruned.code, pruned.stderr).toBe(0);
		expect(pruned.stderr).toContain('Recycle Bin in 111111111111 us-east-1: rule a1b2c3d4e5f (AMIs, one week) keeps every AMI for 7 days.');
		const plan = pruned.events.filter(event => event.type === 'plan');
		expect(new Set(plan.map(entry => entry.rule))).toEqual(
			new Set(['newest', 'young', 'in-use', 'protected', 'launched', 'retire', 'grace']),
		);
		expect(plan.find(entry => entry.imageId === 'ami-0e1a2b3c4d5e6f723')).toMatchObject({
			rule: 'in-use',
			why: 'in use: launch configuration convox-prod-LaunchConfiguration-1Q2W3E4R5T6Y',
		});
		const steps = pruned.events.filter(event => event.type === 'prune-step').map(step => [step.action, step.imageId, step.status]);
		expect(steps).toEqual([
			['deprecate', 'ami-0e1a2b3c4d5e6f703', 'done'],
			['disable', 'ami-0e1a2b3c4d5e6f717', 'done'],
			['deregister', 'ami-0e1a2b3c4d5e6f719', 'done'],
			['deprecate', 'ami-0e1a2b3c4d5e6f705', 'done'],
		]);
		const listed = await runCli(['--rehearse', 'images', '--json'], {cwd, env: rehearsalEnv(cwd)});
		const ids = listed.events.map(row => row.imageId);
		expect(ids).toContain('ami-0e1a2b3c4d5e6f702');
		expect(ids).toContain('ami-0e1a2b3c4d5e6f701');
		expect(ids).not.toContain('ami-0e1a2b3c4d5e6f719');
	});
});

describe('convox-ami --rehearse --fleet all prune', () => {
	it("prunes every account and region of the fleet's racks, each fleet copy with its source", async () => {
		const cwd = mkdtempSync(path.join(os.tmpdir(), 'convox-ami-prune-fleet-'));
		const pruned = await runCli(['--rehearse', '--fleet', 'all', 'prune', '--yes', '--json'], {cwd, env: rehearsalEnv(cwd)});
		expect(pruned.code, pruned.stderr).toBe(0);
		const plan = Object.fromEntries(pruned.events.filter(event => event.type === 'plan').map(entry => [entry.imageId, entry]));
		const places = pruned.events.filter(event => event.type === 'plan').map(entry => `${String(entry.accountId)} ${String(entry.region)}`);
		expect(new Set(places)).toEqual(new Set(['111111111111 us-east-1', '111111111111 eu-west-1', '222222222222 us-east-1']));
		// The source is retired, and its copy in eu-west-1 with it; the copy of an image in use is kept.
		expect(plan['ami-0e1a2b3c4d5e6f703']).toMatchObject({next: 'deprecate'});
		expect(plan['ami-0e1a2b3c4d5e6f704']).toMatchObject({region: 'eu-west-1', next: 'deprecate'});
		expect(plan['ami-0e1a2b3c4d5e6f706']).toMatchObject({region: 'eu-west-1', next: null, rule: 'with-copy'});
		const steps = pruned.events.filter(event => event.type === 'prune-step');
		expect(steps.map(step => [step.imageId, step.region, step.status])).toContainEqual(['ami-0e1a2b3c4d5e6f704', 'eu-west-1', 'done']);
	});
});
