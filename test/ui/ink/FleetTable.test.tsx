import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {LiveFleetTable} from '../../../source/ui/ink/FleetTable';
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
});
