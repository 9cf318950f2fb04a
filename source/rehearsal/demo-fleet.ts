/** A rack of the demo fleet: an account entry of the rehearsal config. */
export interface DemoRack {
	accountId: string;
	stackName: string;
	rack: string;
	region: string;
	production: boolean;
}

const DEV_ACCOUNT = '111111111111';
const PROD_ACCOUNT = '222222222222';
const REGIONS = {us: 'us-east-1', eu: 'eu-west-1', ap: 'ap-southeast-2'} as const;

function rack(name: string, production: boolean): [string, DemoRack] {
	const region = REGIONS[name.split('-')[1] as keyof typeof REGIONS];
	return [name, {accountId: production ? PROD_ACCOUNT : DEV_ACCOUNT, stackName: `convox-${name}`, rack: name, region, production}];
}

const WAVES: Array<Array<[name: string, production: boolean]>> = [
	[
		['dev-us-1', false],
		['dev-eu-1', false],
		['dev-ap-1', false],
	],
	[
		['dev-us-2', false],
		['dev-eu-2', false],
		['dev-ap-2', false],
		['prod-us-1', true],
		['prod-eu-1', true],
		['prod-ap-1', true],
	],
	[
		['prod-us-2', true],
		['prod-us-3', true],
		['prod-us-4', true],
		['prod-us-5', true],
		['prod-eu-2', true],
		['prod-eu-3', true],
		['prod-eu-4', true],
		['prod-ap-2', true],
		['prod-ap-3', true],
		['prod-ap-4', true],
		['prod-ap-5', true],
	],
];

/**
 * Racks past the 20 named ones, for a larger demo: dev and production by turns, over the three
 * regions, each numbered on from the last of its account and region; dev racks join the second wave,
 * production racks the third.
 */
function generatedWaves(count: number): Array<Array<[name: string, production: boolean]>> {
	const waves: Array<Array<[name: string, production: boolean]>> = WAVES.map(wave => [...wave]);
	const numbers = new Map<string, number>();
	for (const [name] of WAVES.flat()) {
		const prefix = name.slice(0, name.lastIndexOf('-'));
		numbers.set(prefix, Math.max(numbers.get(prefix) ?? 0, Number(name.slice(name.lastIndexOf('-') + 1))));
	}
	const regions = Object.keys(REGIONS);
	for (let index = 0; index < count; index++) {
		const production = index % 2 === 1;
		const prefix = `${production ? 'prod' : 'dev'}-${regions[Math.floor(index / 2) % regions.length]}`;
		const number = (numbers.get(prefix) ?? 0) + 1;
		numbers.set(prefix, number);
		waves[production ? 2 : 1]!.push([`${prefix}-${number}`, production]);
	}
	return waves;
}

/**
 * `--rehearse --fleet NAME`: 20 racks in two accounts (dev 111111111111, prod 222222222222) and
 * three regions, in three waves (dev canaries, then dev and the first production rack of each
 * region, then the rest of production). One build per account, two copies each. More than 20 racks
 * adds generated ones (see generatedWaves); fewer keeps the first racks in wave order.
 */
export function demoFleet(
	name: string,
	{failureTolerance, racks = 20}: {failureTolerance: number; racks?: number},
): {racks: Record<string, DemoRack>; fleet: {waves: string[][]; maxConcurrent: number; failureTolerance: number}; fleetName: string} {
	const named = WAVES.flat().length;
	const all = generatedWaves(Math.max(0, racks - named));
	const kept = new Set(
		WAVES.flat()
			.slice(0, racks)
			.map(([rackName]) => rackName),
	);
	const waves = (racks > named ? all : WAVES.map(wave => wave.filter(([rackName]) => kept.has(rackName)))).filter(wave => wave.length > 0);
	return {
		racks: Object.fromEntries(waves.flat().map(([rackName, production]) => rack(rackName, production))),
		fleet: {waves: waves.map(wave => wave.map(([rackName]) => rackName)), maxConcurrent: 12, failureTolerance},
		fleetName: name,
	};
}
