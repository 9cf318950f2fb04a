import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, expect} from 'vitest';
import {parseConfig} from '../../source/config/load-config';
import type {FleetRun} from '../../source/workflow/fleet/fleet-journal';

/** Fresh state dirs for a file's fleet runs, removed after it; and the one fleet run a dir holds. */
export function fleetStateDirs(prefix: string) {
	const dirs: string[] = [];
	afterAll(() => {
		for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
	});
	return {
		stateDir(): string {
			const dir = mkdtempSync(path.join(tmpdir(), prefix));
			dirs.push(dir);
			return dir;
		},
		readFleet(dir: string): FleetRun {
			const files = readdirSync(path.join(dir, 'fleets')).filter(name => name.endsWith('.json'));
			expect(files).toHaveLength(1);
			return JSON.parse(readFileSync(path.join(dir, 'fleets', files[0]!), 'utf8')) as FleetRun;
		},
	};
}

/** A fleet of three racks in two waves: dev, then two production racks of one account in two regions. */
export const twoWaveFleetConfig = parseConfig(
	{
		region: 'us-east-1',
		accounts: {
			dev: {accountId: '111111111111', stackName: 'convox-dev'},
			'prod-us': {accountId: '222222222222', stackName: 'convox-prod-us', production: true},
			'prod-eu': {accountId: '222222222222', stackName: 'convox-prod-eu', production: true, region: 'eu-west-1'},
		},
		fleets: {all: {waves: [['dev'], ['prod-us', 'prod-eu']], maxConcurrent: 2, failureTolerance: 0}},
	},
	'test.json',
);
