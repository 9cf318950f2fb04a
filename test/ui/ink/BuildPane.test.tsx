import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {reduceBuildView, type BuildViewState} from '../../../source/ui/build-view';
import {BuildPane} from '../../../source/ui/ink/BuildPane';
import type {RunEvent, RunEventInput} from '../../../source/core/types';

const T0 = Date.parse('2026-11-25T01:00:00.000Z');

function view(inputs: Array<[RunEventInput, number]>): BuildViewState {
	return inputs.reduce<BuildViewState | undefined>(
		(state, [input, seconds]) =>
			reduceBuildView(state, {...input, runId: 'run-1', at: new Date(T0 + seconds * 1000).toISOString()} as RunEvent),
		undefined,
	)!;
}

const running: Array<[RunEventInput, number]> = [
	[{type: 'step', step: 'build', status: 'running'}, 0],
	[{type: 'checkpoint', step: 'build', outputs: {logPath: '/state/runs/run-1.packer.log'}}, 0],
	[{type: 'progress', step: 'build', phase: 'prevalidate', activity: 'Prevalidating AMI Name: convox-dev'}, 0],
	[{type: 'progress', step: 'build', phase: 'key-pair', activity: 'Creating temporary keypair: packer_1'}, 2],
	[{type: 'progress', step: 'build', phase: 'provision', activity: 'Provisioning with shell script: scripts/install.sh'}, 5],
];

describe('BuildPane', () => {
	it('shows finished phases with times, the current phase and activity, the tail and the log path', () => {
		const lines: Array<[RunEventInput, number]> = Array.from({length: 40}, (_, index) => [
			{type: 'log', step: 'build', line: `    amazon-ebs: package ${index} ${'x'.repeat(200)}`},
			6,
		]);
		const {lastFrame, unmount} = render(<BuildPane state={view([...running, ...lines])} now={T0 + 65_000} />);
		const frame = lastFrame()!;
		expect(frame).toContain('✔ prevalidate 2.0 s  ✔ key pair & security group 3.0 s');
		expect(frame).toContain('▸ provision 1m00s Provisioning with shell script: scripts/install.sh');
		expect(frame).toContain('amazon-ebs: package 39');
		expect(frame).toContain('amazon-ebs: package 32');
		expect(frame).not.toContain('amazon-ebs: package 31 ');
		expect(frame).toContain('Log: /state/runs/run-1.packer.log');
		const rows = frame.split('\n');
		expect(rows.length).toBeLessThanOrEqual(14);
		for (const row of rows) expect(row.length).toBeLessThanOrEqual(100);
		unmount();
	});

	it('shows the AMI per region when the build is done', () => {
		const done = view([
			...running,
			[
				{
					type: 'step',
					step: 'build',
					status: 'done',
					outputs: {amiId: 'ami-0a7f', amiIds: {'us-east-1': 'ami-0a7f', 'us-west-2': 'ami-741c'}, logPath: '/state/runs/run-1.packer.log'},
				},
				300,
			],
		]);
		const {lastFrame, unmount} = render(<BuildPane state={done} now={T0 + 400_000} />);
		expect(lastFrame()).toContain('AMI ami-0a7f (us-east-1)');
		expect(lastFrame()).toContain('AMI ami-741c (us-west-2)');
		expect(lastFrame()).toContain('✔ provision 4m55s');
		expect(lastFrame()).not.toContain('▸');
		unmount();
	});

	it('shows Packer error lines and the log path on failure, and a cancel warning while running', () => {
		const cancelling = view([
			...running,
			[{type: 'notice', step: 'build', level: 'warn', message: 'Cancelling the build: Packer is cleaning up'}, 7],
		]);
		const first = render(<BuildPane state={cancelling} now={T0 + 8000} />);
		expect(first.lastFrame()).toContain('Cancelling the build: Packer is cleaning up');
		first.unmount();
		const failed = view([
			...running,
			[
				{
					type: 'step',
					step: 'build',
					status: 'failed',
					error: 'Packer build failed (exit 1):\n  Script exited with non-zero exit status: 3\nFull log: /state/runs/run-1.packer.log',
				},
				9,
			],
		]);
		const {lastFrame, unmount} = render(<BuildPane state={failed} now={T0 + 10_000} />);
		expect(lastFrame()).toContain('Packer build failed (exit 1):');
		expect(lastFrame()).toContain('Script exited with non-zero exit status: 3');
		expect(lastFrame()).toContain('Log: /state/runs/run-1.packer.log');
		unmount();
	});

	it('says it waits for Packer before the first phase', () => {
		const {lastFrame, unmount} = render(<BuildPane state={view([[{type: 'step', step: 'build', status: 'running'}, 0]])} />);
		expect(lastFrame()).toBe('waiting for Packer');
		unmount();
	});
});
