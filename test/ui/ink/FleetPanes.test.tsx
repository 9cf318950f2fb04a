import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import type {FleetSink} from '../../../source/core/fleet-events';
import {inkFleetSink} from '../../../source/ui/fleet-reporter';
import {App} from '../../../source/ui/ink/App';
import {Frames} from '../../../source/ui/ink/frames';
import {inkPanes, inkReducers} from '../../../source/ui/ink/panes';
import {RackStores} from '../../../source/ui/rack-stores';
import {RunStore} from '../../../source/ui/run-store';
import {createRun} from '../../../source/workflow/plan';
import {reduceRun} from '../../../source/workflow/reducer';
import type {Run, RunEvent, RunEventInput} from '../../../source/core/types';
import {promptDrawn} from '../../support/ink-prompt';

const tick = (ms = 40) => new Promise(resolve => setTimeout(resolve, ms));
const DOWN = '\u001B[B';
const UP = '\u001B[A';
const ENTER = '\r';
const ESC = '\u001B';

const ROWS = [
	{name: 'dev-us-1', accountId: '111111111111', region: 'us-east-1', wave: 0, state: 'pending'},
	{name: 'prod-eu-1', accountId: '222222222222', region: 'eu-west-1', wave: 0, state: 'pending'},
	{name: 'prod-ap-1', accountId: '222222222222', region: 'ap-southeast-2', wave: 1, state: 'pending'},
];

/** The Ink front end's fleet sink, as createFrontEnd wires it, over a store and rack stores of the test's. */
function fleetScreen() {
	const store = new RunStore('', inkReducers, 5);
	const racks = new RackStores(inkReducers, 5);
	const reporter = inkFleetSink(
		{fleet: 'all', fleetRunId: 'f1', racks: ROWS},
		{
			setFleet: (rows, options) => store.setFleet(rows, options),
			rackPanes: rack => racks.sink(rack),
			say: (level, message) => store.addNotice({level, message}),
		},
	);
	const frames = new Frames();
	const screen = render(<App store={store} frames={frames} onInterrupt={() => undefined} panes={inkPanes} racks={racks} />);
	return {store, reporter, inkFrames: frames, ...screen};
}

/** A rack's run in the fleet: its events go through the reporter's sink for that rack. */
function rackRun(reporter: FleetSink, rack: string, production: boolean) {
	const sink = reporter.rackSink(rack);
	let run: Run = createRun({
		id: `r-${rack}`,
		kind: 'release',
		account: rack,
		mode: 'rehearsal',
		production,
		options: {region: 'us-east-1', dryRun: false, confirm: [], yes: false},
	});
	return (inputs: RunEventInput[]) => {
		for (const input of inputs) {
			const event = {...input, runId: run.id, at: new Date().toISOString()} as RunEvent;
			run = reduceRun(run, event);
			sink(event, run);
		}
	};
}

const stackEvent = (resource: string, status: string, resourceType: string): RunEventInput => ({
	type: 'stack-event',
	resource,
	status,
	reason: '',
	resourceType,
	timestamp: new Date().toISOString(),
});

/** Two racks of the first wave under way: one builds, one updates its stack; returns the second's feed. */
function driveTwoRacks(reporter: FleetSink): (inputs: RunEventInput[]) => void {
	reporter.emit({type: 'rack-state', rack: 'dev-us-1', state: 'running', wave: 0});
	reporter.emit({type: 'rack-state', rack: 'prod-eu-1', state: 'running', wave: 0});
	const prodEu = rackRun(reporter, 'prod-eu-1', true);
	rackRun(
		reporter,
		'dev-us-1',
		false,
	)([
		{type: 'step', step: 'build', status: 'running'},
		{type: 'progress', step: 'build', phase: 'provision', activity: 'installing collectd'},
		{type: 'log', step: 'build', line: '==> amazon-ebs: Provisioning with shell script'},
	]);
	prodEu([
		{type: 'step', step: 'account', status: 'running'},
		{type: 'step', step: 'account', status: 'done'},
		{type: 'step', step: 'update-stack', status: 'running'},
		{type: 'notice', step: 'update-stack', level: 'info', message: 'Executing change set convox-ami-r-prod-eu-1'},
		stackEvent('convox-prod-eu-1', 'UPDATE_IN_PROGRESS', 'AWS::CloudFormation::Stack'),
		stackEvent('LaunchConfiguration', 'UPDATE_COMPLETE', 'AWS::AutoScaling::LaunchConfiguration'),
		stackEvent('Instances', 'UPDATE_IN_PROGRESS', 'AWS::AutoScaling::AutoScalingGroup'),
	]);
	return prodEu;
}

const row = (frame: string, rack: string) => frame.split('\n').find(line => line.includes(rack)) ?? '';

describe('the fleet screen opens one rack’s panes from the fleet table', () => {
	it('↓ moves the highlight, Enter shows that rack’s steps, stack events and notices, Esc goes back to the table', async () => {
		const {store, reporter, lastFrame, stdin, unmount} = fleetScreen();
		const prodEu = driveTwoRacks(reporter);
		store.flush();
		await tick();
		let frame = lastFrame()!;
		expect(frame).toMatch(/^ {2}RACK\s+ACCOUNT/m);
		expect(row(frame, 'dev-us-1')).toMatch(/^▸ dev-us-1\s+111111111111\s+us-east-1\s+1\s+Build AMI\s+running/);
		expect(row(frame, 'prod-eu-1')).toMatch(/^ {2}prod-eu-1\s+222222222222\s+eu-west-1\s+1\s+Update stack\s+running/);
		expect(frame).toContain('↑↓ choose a rack · Enter open its panes');
		// No rack's pane is drawn while the table shows.
		expect(frame).not.toContain('LaunchConfiguration');
		expect(frame).not.toContain('installing collectd');

		stdin.write(DOWN);
		await tick();
		expect(row(lastFrame()!, 'prod-eu-1')).toMatch(/^▸ prod-eu-1/);
		expect(row(lastFrame()!, 'dev-us-1')).toMatch(/^ {2}dev-us-1/);
		stdin.write(ENTER);
		await tick();
		frame = lastFrame()!;
		expect(frame).not.toMatch(/RACK\s+ACCOUNT/);
		expect(frame).toMatch(/prod-eu-1 release · prod-eu-1 · us-east-1 · r-prod-eu-1 +PRODUCTION/);
		expect(frame).toMatch(/✔ Account/);
		expect(frame).toContain('Executing change set convox-ami-r-prod-eu-1');
		expect(frame).toMatch(/LaunchConfiguration\s+UPDATE_COMPLETE/);
		expect(frame).toMatch(/Instances\s+UPDATE_IN_PROGRESS/);
		expect(frame).not.toContain('installing collectd');
		expect(frame).toContain('Esc or Enter back to the fleet table');

		// The opened rack's panes follow its events as they come.
		prodEu([stackEvent('Instances', 'UPDATE_COMPLETE', 'AWS::AutoScaling::AutoScalingGroup')]);
		await tick();
		expect(lastFrame()).toMatch(/Instances\s+UPDATE_COMPLETE/);

		stdin.write(ESC);
		await tick();
		frame = lastFrame()!;
		expect(frame).toMatch(/RACK\s+ACCOUNT/);
		expect(frame).not.toContain('LaunchConfiguration');
		expect(row(frame, 'prod-eu-1')).toMatch(/^▸ prod-eu-1/);

		// The other rack kept its state while closed: its build pane opens with what it had.
		stdin.write(UP);
		await tick();
		stdin.write(ENTER);
		await tick();
		frame = lastFrame()!;
		expect(frame).toMatch(/dev-us-1 release · dev-us-1/);
		expect(frame).not.toContain('PRODUCTION');
		expect(frame).toContain('▸ provision');
		expect(frame).toContain('installing collectd');
		expect(frame).toContain('Provisioning with shell script');
		stdin.write(ENTER);
		await tick();
		expect(lastFrame()).toMatch(/RACK\s+ACCOUNT/);

		// A rack that has not started says so.
		stdin.write(DOWN);
		await tick();
		stdin.write(DOWN);
		await tick();
		stdin.write(ENTER);
		await tick();
		expect(lastFrame()).toContain('prod-ap-1 has not started yet');

		// The fleet's outcome closes the rack: the final table has nothing to open.
		store.setOutcome({exitCode: 0, message: 'Fleet all: all 3 racks released and verified.'});
		await tick();
		frame = lastFrame()!;
		expect(frame).toMatch(/^RACK\s+ACCOUNT/m);
		expect(frame).not.toContain('▸');
		expect(frame).not.toContain('has not started yet');
		unmount();
	});

	it('leaves the arrows and Enter to an open prompt: its answer moves no highlight and opens no rack', async () => {
		const {store, reporter, inkFrames, lastFrame, stdin, unmount} = fleetScreen();
		driveTwoRacks(reporter);
		const answer = store.prompter({yes: false}).select({
			message: 'Which way?',
			choices: [
				{value: 'left', label: 'left'},
				{value: 'right', label: 'right'},
			],
			remedy: '--yes',
		});
		await tick();
		expect(lastFrame()).toContain('Which way?');
		await promptDrawn(inkFrames, lastFrame);
		expect(lastFrame()).toContain('↑↓ choose · Enter answer');
		stdin.write(DOWN);
		await tick();
		expect(row(lastFrame()!, 'dev-us-1')).toMatch(/^▸ dev-us-1/);
		stdin.write(ENTER);
		expect(await answer).toBe('right');
		await tick();
		let frame = lastFrame()!;
		expect(frame).not.toContain('Which way?');
		expect(frame).toMatch(/RACK\s+ACCOUNT/);
		expect(row(frame, 'dev-us-1')).toMatch(/^▸ dev-us-1/);

		// Once the prompt is answered, the keys are the table's again.
		stdin.write(DOWN);
		await tick();
		stdin.write(ENTER);
		await tick();
		frame = lastFrame()!;
		expect(frame).toMatch(/LaunchConfiguration\s+UPDATE_COMPLETE/);

		// A prompt that opens while a rack is shown keeps Esc and Enter too: the rack stays open.
		const go = store.prompter({yes: false}).confirm({message: 'Execute the change sets?', remedy: '--yes', defaultValue: true});
		await tick();
		await promptDrawn(inkFrames, lastFrame);
		stdin.write(ESC);
		await tick();
		expect(lastFrame()).toMatch(/LaunchConfiguration\s+UPDATE_COMPLETE/);
		stdin.write(ENTER);
		expect(await go).toBe(true);
		await tick();
		expect(lastFrame()).toMatch(/LaunchConfiguration\s+UPDATE_COMPLETE/);
		expect(lastFrame()).toContain('Esc or Enter back to the fleet table');
		unmount();
	});
});

describe('the fleet table draws racks’ steps and states with its clock', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('a step or a state that moves draws no frame of its own: it comes with the next frame drawn anyway, at the latest when the elapsed times move', async () => {
		vi.useFakeTimers({now: 1_000_000});
		const {store, reporter, frames, lastFrame, unmount} = fleetScreen();
		reporter.emit({type: 'rack-state', rack: 'dev-us-1', state: 'running', wave: 0});
		await vi.advanceTimersByTimeAsync(1000);
		const drawn = frames.length;
		expect(row(lastFrame()!, 'dev-us-1')).toMatch(/dev-us-1\s+111111111111\s+us-east-1\s+1\s+pending/);

		const devUs = rackRun(reporter, 'dev-us-1', false);
		devUs([{type: 'step', step: 'build', status: 'running'}]);
		await vi.advanceTimersByTimeAsync(2500);
		expect(frames.length).toBe(drawn);
		// The elapsed times move at 5 s: the state and the step are drawn in that same frame.
		await vi.advanceTimersByTimeAsync(1500);
		expect(frames.length).toBe(drawn + 1);
		expect(row(lastFrame()!, 'dev-us-1')).toMatch(/Build AMI\s+running\s+5\.0 s/);

		// A rack that fails is drawn at once, with what was held back before it.
		devUs([
			{type: 'step', step: 'build', status: 'done'},
			{type: 'step', step: 'update-stack', status: 'running'},
		]);
		reporter.emit({type: 'rack-state', rack: 'prod-eu-1', state: 'running', wave: 0});
		await vi.advanceTimersByTimeAsync(1000);
		expect(frames.length).toBe(drawn + 1);
		reporter.emit({type: 'rack-state', rack: 'prod-eu-1', state: 'failed', wave: 0});
		await vi.advanceTimersByTimeAsync(100);
		expect(frames.length).toBe(drawn + 2);
		expect(row(lastFrame()!, 'dev-us-1')).toMatch(/Update stack\s+running/);
		expect(row(lastFrame()!, 'prod-eu-1')).toMatch(/prod-eu-1\s+222222222222\s+eu-west-1\s+1\s+failed/);

		// The outcome draws the final table whole: nothing held back is lost.
		devUs([{type: 'step', step: 'verify', status: 'running'}]);
		reporter.emit({type: 'rack-state', rack: 'dev-us-1', state: 'done', wave: 0});
		store.setOutcome({exitCode: 1, message: 'Fleet all: prod-eu-1 failed.'});
		await vi.advanceTimersByTimeAsync(100);
		expect(row(lastFrame()!, 'dev-us-1')).toMatch(/Verify\s+done/);
		unmount();
	});
});
