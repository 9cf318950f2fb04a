import type {Config} from '../../config/schema';
import {storedMode, type RunModel} from '../../core/run-mode';
import {newRunId} from '../plan';
import type {FleetRun} from './fleet-journal';
import {planFleet} from './fleet-plan';

/** A fleet run before its first change: every rack pending, one build per account, one copy per other region. */
export function newFleetRun(
	config: Config,
	name: string,
	{model, region, confirm, until, now = new Date()}: {model: RunModel; region?: string; confirm: string[]; until?: 'preview'; now?: Date},
): FleetRun {
	const plan = planFleet(config, name, region);
	const at = now.toISOString();
	return {
		schemaVersion: 1,
		kind: 'fleet',
		id: newRunId(`fleet-${name}`, now),
		fleet: name,
		mode: storedMode(model),
		dryRun: model.readOnly,
		status: 'running',
		createdAt: at,
		updatedAt: at,
		waves: plan.waves,
		maxConcurrent: plan.maxConcurrent,
		failureTolerance: plan.failureTolerance,
		confirmedWaves: [],
		confirm,
		...(until ? {until} : {}),
		racks: plan.racks.map(rack => ({
			name: rack.name,
			accountId: rack.accountId,
			region: rack.region,
			stackName: rack.account.stackName,
			wave: rack.wave,
			production: rack.production,
			state: 'pending',
		})),
		images: [
			...plan.builds.map(build => ({
				accountId: build.accountId,
				region: build.region,
				kind: 'build' as const,
				status: 'pending' as const,
				rack: build.rack,
			})),
			...plan.copies.map(copy => ({accountId: copy.accountId, region: copy.region, kind: 'copy' as const, status: 'pending' as const})),
		],
		history: [
			{
				at,
				message: `Fleet run of ${name} started: ${plan.racks.length} racks, ${plan.builds.length} build(s), ${plan.copies.length} copy(ies).`,
			},
		],
	};
}
