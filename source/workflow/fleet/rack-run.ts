import type {FleetChangeInput, RackState} from '../../core/fleet-events';
import type {PrebuiltAmi, Run, StepId} from '../../core/types';
import {describeApprover} from '../../core/step-outputs';
import type {RunOutcome} from '../runner';
import type {FleetContext} from './fleet-context';
import type {FleetRackRecord} from './fleet-journal';
import {rackPrompter} from './wave-gate';
import type {WaveGates} from './wave-gates';
import type {RackRun} from './fleet-world';

export function rackStateOf(run: Run): RackState {
	switch (run.status) {
		case 'finished':
			return 'done';
		case 'failed':
			return 'failed';
		case 'waiting':
			return 'waiting';
		default:
			return 'pending';
	}
}

/** The AMI a rack's run adopts: its account's, built by another rack's run or copied to its region. */
export function prebuiltFor(context: FleetContext, rack: FleetRackRecord): PrebuiltAmi | undefined {
	const image = context.image(rack);
	// A dry run built nothing: each rack's own dry run validates the build.
	if ((image.kind === 'build' && image.rack === rack.name) || !image.amiId) return undefined;
	const origin =
		image.kind === 'build'
			? `built by run ${image.runId} (${image.rack})`
			: `copied from ${image.copiedFrom?.amiId} (${image.copiedFrom?.region}) by fleet run ${context.fleet.id}`;
	return {amiId: image.amiId, region: image.region, origin};
}

export interface RackRunOptions {
	stopAfter?: StepId;
	prebuiltAmi?: PrebuiltAmi;
	/** A change to record once the run exists, besides the rack's link to it. */
	onCreated?: (run: Run) => FleetChangeInput;
}

/** The run of one rack, new or resumed: its events to the fleet's sink, its change set to its wave's gate. */
export async function driveRackRun(
	context: FleetContext,
	gates: WaveGates,
	rack: FleetRackRecord,
	{stopAfter, prebuiltAmi, onCreated}: RackRunOptions,
): Promise<RunOutcome> {
	const {session, fleet} = context;
	const existing = rack.runId ? await session.runs.load(rack.runId).catch(() => undefined) : undefined;
	const run: RackRun = existing
		? {resume: existing}
		: {rack: rack.name, convoxVersion: fleet.convoxVersion!, fleetRunId: fleet.id, ...(fleet.until ? {until: fleet.until} : {})};
	const sink = session.sink.rackSink(rack.name);
	const held = Boolean(gates.held(rack.wave));
	return session.world.driveRack(run, {
		resumeCommand: `convox-ami resume ${fleet.id}`,
		sink: (event, current) => {
			if (event.type === 'checkpoint' && event.step === 'update-stack' && event.outputs.approval) {
				const {approval} = event.outputs;
				context.change({
					type: 'rack-approved',
					rack: rack.name,
					wave: rack.wave,
					approval,
					note: `Wave ${rack.wave + 1}: change set ${approval.changeSetName} of ${rack.name} approved by ${describeApprover(approval)} (${approval.arn}).`,
				});
			}
			if (event.type === 'change-set') {
				gates.of(rack.wave).preview({
					rack: rack.name,
					stackName: event.stackName,
					changeSetName: event.changeSetName,
					parameters: event.parameters,
					changes: event.changes,
					production: rack.production,
				});
			}
			sink(event, current);
		},
		prompter: rackPrompter(
			session.prompter,
			() => gates.of(rack.wave),
			{rack: rack.name, stackName: rack.stackName, production: rack.production},
			{held},
		),
		...(held ? {withholdApproval: true} : {}),
		...(stopAfter ? {stopAfter} : {}),
		...(prebuiltAmi ? {prebuiltAmi} : {}),
		onCreated: created => {
			// Linked before the run's own journal exists: a kill in between leaves a link to no run, which starts anew.
			context.change({type: 'rack-run-created', rack: rack.name, runId: created.id});
			if (onCreated) context.change(onCreated(created));
		},
	});
}
