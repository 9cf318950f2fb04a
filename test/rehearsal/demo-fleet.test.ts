import {describe, expect, it} from 'vitest';
import {demoFleet} from '../../source/rehearsal/demo-fleet';

const accountRegions = (racks: ReturnType<typeof demoFleet>['racks']) =>
	Object.values(racks).reduce((counts, rack) => {
		const key = `${rack.accountId}/${rack.region}`;
		return counts.set(key, (counts.get(key) ?? 0) + 1);
	}, new Map<string, number>());

describe('the demo fleet', () => {
	const named = demoFleet('demo', {failureTolerance: 0});

	it('keeps the first racks in wave order when asked for fewer than its 20', () => {
		const five = demoFleet('demo', {failureTolerance: 0, racks: 5});
		expect(five.fleet.waves).toEqual([
			['dev-us-1', 'dev-eu-1', 'dev-ap-1'],
			['dev-us-2', 'dev-eu-2'],
		]);
	});

	it('adds generated racks past its 20, spread over both accounts, the three regions and the last two waves', () => {
		const hundred = demoFleet('demo', {failureTolerance: 0, racks: 100});
		const names = hundred.fleet.waves.flat();
		expect(names).toHaveLength(100);
		expect(new Set(names).size).toBe(100);
		expect(Object.keys(hundred.racks)).toHaveLength(100);
		// The 20 named racks keep their names and waves; the canaries' wave stays as it was.
		hundred.fleet.waves.forEach((wave, index) => expect(wave.slice(0, named.fleet.waves[index]!.length)).toEqual(named.fleet.waves[index]));
		expect(hundred.fleet.waves[0]).toEqual(named.fleet.waves[0]);
		expect(hundred.fleet.waves.map(wave => wave.length)).toEqual([3, 46, 51]);
		expect(hundred.fleet.waves[1]!.slice(6).every(name => !hundred.racks[name]!.production)).toBe(true);
		expect(hundred.fleet.waves[2]!.every(name => hundred.racks[name]!.production)).toBe(true);
		const counts = accountRegions(hundred.racks);
		expect(counts.size).toBe(6);
		for (const count of counts.values()) expect(count).toBeGreaterThanOrEqual(15);
		expect(hundred.racks['prod-us-6']).toMatchObject({accountId: '222222222222', region: 'us-east-1', stackName: 'convox-prod-us-6'});
	});
});
