import {EventEmitter} from 'node:events';
import {render as inkRender} from 'ink';
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {Clock} from '../../../source/ui/ink/clock';
import {LiveFleetTable} from '../../../source/ui/ink/FleetTable';
import {ClockContext} from '../../../source/ui/ink/use-clock';
import type {FleetRow} from '../../../source/ui/fleet-view';

afterEach(() => {
	vi.useRealTimers();
});

describe('LiveFleetTable', () => {
	it('shows rack, account, region, wave, step, status and elapsed, one line per rack, in columns', () => {
		// Outside a screen clock, the elapsed time of a running rack is counted to the first render.
		vi.useFakeTimers({toFake: ['Date'], now: 200_000});
		const rows: FleetRow[] = [
			{
				rack: 'dev-us-1',
				accountId: '111111111111',
				region: 'us-east-1',
				wave: 0,
				step: 'verify',
				status: 'done',
				startedAt: 100_000,
				endedAt: 165_000,
			},
			{
				rack: 'prod-eu-1',
				accountId: '222222222222',
				region: 'eu-west-1',
				wave: 1,
				step: 'update-stack',
				status: 'running',
				startedAt: 170_000,
			},
			{rack: 'prod-ap-5', accountId: '222222222222', region: 'ap-southeast-2', wave: 2, status: 'untouched'},
		];
		const {lastFrame, unmount} = render(<LiveFleetTable rows={rows} />);
		const lines = lastFrame()!.split('\n').filter(Boolean);
		expect(lines[0]).toMatch(/^RACK\s+ACCOUNT\s+REGION\s+WAVE\s+STEP\s+STATUS\s+ELAPSED/);
		expect(lines[1]).toMatch(/^dev-us-1\s+111111111111\s+us-east-1\s+1\s+Verify\s+done\s+1m05s/);
		expect(lines[2]).toMatch(/^prod-eu-1\s+222222222222\s+eu-west-1\s+2\s+Update stack\s+running\s+30.0 s/);
		expect(lines[3]).toMatch(/^prod-ap-5\s+222222222222\s+ap-southeast-2\s+3\s+untouched/);
		expect(lines[1]!.indexOf('111111111111')).toBe(lines[3]!.indexOf('222222222222'));
		unmount();
	});

	it('moves a running rack’s elapsed time every 5 s of the screen’s clock, drawing nothing on the ticks between', async () => {
		vi.useFakeTimers({now: 1_000_000});
		const clock = new Clock(1000);
		const rows: FleetRow[] = [
			{rack: 'dev-us-1', accountId: '111111111111', region: 'us-east-1', wave: 0, step: 'build', status: 'running', startedAt: 1_000_000},
		];
		const {frames, lastFrame, unmount} = render(
			<ClockContext.Provider value={clock}>
				<LiveFleetTable rows={rows} />
			</ClockContext.Provider>,
		);
		const drawn = frames.length;
		expect(lastFrame()).toMatch(/Build AMI\s+running\s+< 5\.0 s/);
		await vi.advanceTimersByTimeAsync(4000);
		expect(clock.getTicks()).toBe(4);
		expect(frames.length).toBe(drawn);
		await vi.advanceTimersByTimeAsync(1000);
		expect(frames.length).toBe(drawn + 1);
		expect(lastFrame()).toMatch(/dev-us-1\s+111111111111\s+us-east-1\s+1\s+Build AMI\s+running\s+5\.0 s/);
		unmount();
	});

	it('a rack started after the table clock’s last 5 s mark shows under 5 s, never a time of zero or below', () => {
		vi.useFakeTimers({now: 1_002_500});
		const clock = new Clock(1000);
		const rows: FleetRow[] = [
			{rack: 'dev-us-1', accountId: '111111111111', region: 'us-east-1', wave: 0, step: 'build', status: 'running', startedAt: 1_002_000},
		];
		const {lastFrame, unmount} = render(
			<ClockContext.Provider value={clock}>
				<LiveFleetTable rows={rows} />
			</ClockContext.Provider>,
		);
		expect(lastFrame()).toMatch(/Build AMI\s+running\s+< 5\.0 s/);
		expect(lastFrame()).not.toMatch(/running\s+(0 ms|-\d)/);
		unmount();
	});
});

describe('the fleet table on a terminal shorter than the fleet', () => {
	/** A terminal of 100 columns and `rows` lines that keeps what Ink writes. */
	function terminal(rows: number) {
		const frames: string[] = [];
		const stdout = Object.assign(new EventEmitter(), {columns: 100, rows, write: (frame: string) => frames.push(frame) > 0});
		return {stdout: stdout as unknown as NodeJS.WriteStream, lastFrame: () => frames.at(-1) ?? ''};
	}
	const fleet: FleetRow[] = Array.from({length: 100}, (_, index) => ({
		rack: `rack-${index}`,
		accountId: '111111111111',
		region: 'us-east-1',
		wave: 0,
		status: 'pending',
	}));
	const shown = (frame: string) => [...frame.matchAll(/rack-(\d+) /g)].map(match => Number(match[1]));

	it('draws only the rows around the highlighted one, as many as the terminal holds besides the rest of the screen', () => {
		const {stdout, lastFrame} = terminal(40);
		const screen = inkRender(<LiveFleetTable rows={fleet} highlighted={50} />, {stdout, patchConsole: false});
		expect(shown(lastFrame())).toEqual(Array.from({length: 26}, (_, index) => 37 + index));
		expect(lastFrame()).toContain('… 37 more above');
		expect(lastFrame()).toContain('… 37 more below');
		expect(lastFrame()).toMatch(/▸ rack-50 /);
		screen.unmount();
	});

	it('draws every row when they fit, or when no row is highlighted (the final table)', () => {
		const tall = terminal(200);
		const all = inkRender(<LiveFleetTable rows={fleet} highlighted={0} />, {stdout: tall.stdout, patchConsole: false});
		expect(shown(tall.lastFrame())).toHaveLength(100);
		all.unmount();
		const short = terminal(40);
		const final = inkRender(<LiveFleetTable rows={fleet} />, {stdout: short.stdout, patchConsole: false});
		expect(shown(short.lastFrame())).toHaveLength(100);
		expect(short.lastFrame()).not.toContain('more above');
		final.unmount();
	});
});
