import {afterEach, describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';
import {PROMPT_READY} from '../support/ink-prompt';
import {runInPty, type PtySession} from '../support/pty';
import {createStackWorld, eventsOf, noticesOf, stepEvent, type StackWorld} from '../support/stack-e2e-world';

let world: StackWorld | undefined;
let session: PtySession | undefined;
afterEach(async () => {
	if (session) {
		session.kill();
		await session.exited;
	}
	session = undefined;
	await world?.close();
	world = undefined;
});

const count = (calls: Array<{action: string}>, action: string) => calls.filter(call => call.action === action).length;
const DOWN = '\u001b[B';
const CTRL_C = '\u0003';

/** A slow update, watched in the Ink screen: confirms the previewed change set and waits until stack events stream. */
async function startWatchedUpdate(): Promise<{world: StackWorld; session: PtySession}> {
	world = await createStackWorld({aws: {scenario: 'slow', slowTicks: 10}});
	const env = {...world.env};
	delete env.CI;
	session = runInPty(['release', '--env', 'dev', '--confirm', 'sumologic'], {cwd: world.dir, env, rows: 50, cols: 140});
	const preview = await session.waitFor('Execute change set', 30_000);
	expect(preview).toContain('Version: 20160820033210 → 20160916121812');
	expect(preview).toMatch(/Ami: "" → ami-\w+/);
	expect(preview).toMatch(/Modify LaunchConfiguration AWS::AutoScaling::LaunchConfiguration replacement: True/);
	expect(preview).toContain('3 instance(s) will be replaced.');
	expect(count(world.aws.calls, 'ExecuteChangeSet')).toBe(0);
	await session.waitFor(PROMPT_READY);
	session.write('y');
	const live = await session.waitFor(/RackWebTasks\s+UPDATE_IN_PROGRESS/, 15_000);
	expect(live).toMatch(/convox-dev\s+UPDATE_IN_PROGRESS\s+User Initiated/);
	expect(live).toMatch(/\d+ finished, \d+ in change, 0 failed/);
	return {world, session};
}

describe('update-stack in a real terminal', () => {
	it('Ctrl-C while events stream → Detach: exit 130, the update goes on, and resume re-attaches without executing again', async () => {
		const {world, session} = await startWatchedUpdate();
		session.write(CTRL_C);
		await session.waitFor('Cancel the update');
		expect(session.screen()).toContain('Detach');
		await session.waitFor(PROMPT_READY);
		session.write('\r');
		expect(await session.exited).toBe(130);
		expect(session.screen()).toContain('Detached from the update of convox-dev');
		expect(session.screen()).toContain('convox-ami resume');
		expect(world.aws.state.stack('convox-dev').status).toBe('UPDATE_IN_PROGRESS');
		expect(count(world.aws.calls, 'CancelUpdateStack')).toBe(0);

		const resumed = await runCli(['resume', '--yes', '--json', '--confirm', 'sumologic'], {cwd: world.dir, env: world.env});
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(noticesOf(resumed.events, 'update-stack').join('\n')).toMatch(
			/Re-attaching to the update of convox-dev that this run started \(change set \S+, UPDATE_IN_PROGRESS\)/,
		);
		expect(eventsOf(resumed.events, 'stack-event').at(-1)).toMatchObject({resource: 'convox-dev', status: 'UPDATE_COMPLETE'});
		expect(stepEvent(resumed.events, 'update-stack', 'done')).toMatchObject({stackStatus: 'UPDATE_COMPLETE'});
		expect(count(world.aws.calls, 'ExecuteChangeSet')).toBe(1);
		expect(count(world.aws.calls, 'CreateChangeSet')).toBe(1);
		expect(world.aws.state.parameters('convox-dev')).toMatchObject({Version: '20160916121812'});
	});

	it('Ctrl-C while events stream → Cancel the update: CancelUpdateStack, the rollback streamed, and an interrupted run that says so', async () => {
		const {world, session} = await startWatchedUpdate();
		session.write(CTRL_C);
		await session.waitFor('Cancel the update');
		await session.waitFor(PROMPT_READY);
		session.write(DOWN);
		session.write('\r');
		const rollback = await session.waitFor(/convox-dev\s+UPDATE_ROLLBACK_IN_PROGRESS\s+Stack update cancelled/);
		expect(rollback).toContain('Cancel requested: CloudFormation rolls convox-dev back.');
		expect(await session.exited).toBe(130);
		expect(count(world.aws.calls, 'CancelUpdateStack')).toBe(1);
		expect(world.aws.state.stack('convox-dev').status).toBe('UPDATE_ROLLBACK_COMPLETE');
		const screen = session.screen();
		expect(screen).toContain('Cancelled the update of convox-dev; it settled in UPDATE_ROLLBACK_COMPLETE');
		expect(screen).toContain('convox-ami resume');

		const runs = await runCli(['runs', '--json'], {cwd: world.dir, env: world.env});
		expect(runs.events[0]).toMatchObject({type: 'run-summary', status: 'interrupted'});
	});
});
