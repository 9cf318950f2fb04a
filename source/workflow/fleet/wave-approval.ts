import {errorText} from '../../core/errors';
import {outputsOf, type ChangeSetPreview} from '../../core/step-outputs';
import type {Run} from '../../core/types';
import type {FleetContext} from './fleet-context';
import type {FleetRackRecord, FleetRun} from './fleet-journal';
import {changeSetTable, type RackChangeSet} from './wave-gate';
import type {WaveGates} from './wave-gates';

/** The change set a run shows and waits to have approved (`--until preview`): previewed, not approved since. */
function awaitingApproval(run: Run): ChangeSetPreview | undefined {
	const {preview, approval} = outputsOf(run, 'update-stack');
	const waiting = run.steps.find(step => step.id === 'update-stack')?.status === 'waiting';
	return waiting && preview && approval?.changeSetName !== preview.changeSetName ? preview : undefined;
}

interface PendingApproval {
	rack: FleetRackRecord;
	runId: string;
	preview: ChangeSetPreview;
}

async function pendingApprovals(context: FleetContext, racks: FleetRackRecord[]): Promise<PendingApproval[]> {
	const {runs} = context.session;
	const found = await Promise.all(
		racks.map(async rack => {
			const run = rack.runId ? await runs.load(rack.runId).catch(() => undefined) : undefined;
			const preview = run && awaitingApproval(run);
			return run && preview ? {rack, runId: run.id, preview} : undefined;
		}),
	);
	return found.filter((pending): pending is PendingApproval => pending !== undefined);
}

/**
 * A resumed fleet run of `--until preview` checks, before it goes on, that the stacks of the racks
 * whose change sets wait for approval have not changed since the preview. A wave with one that has
 * is held: none of its change sets is approved in this process, each rack shows its change set again
 * (a fresh one where the stack changed) and the whole wave waits for a fresh approval.
 */
export async function recheckPreviews(context: FleetContext, gates: WaveGates): Promise<void> {
	const {fleet, session} = context;
	if (!fleet.until) return;
	const pending = await pendingApprovals(
		context,
		fleet.racks.filter(rack => rack.state !== 'done'),
	);
	// A stack that cannot be read now holds its wave as a changed one would: nothing runs on an unchecked preview.
	const changes = await Promise.all(
		pending.map(async ({rack, preview}) => ({
			rack,
			preview,
			how: await session.world
				.stackChangedSince(rack, preview, session.signal)
				.catch((error: unknown) => `it could not be read: ${errorText(error)}`),
		})),
	);
	session.signal.throwIfAborted();
	const held = new Map<number, Map<string, string>>();
	for (const {rack, preview, how} of changes) {
		if (!how) continue;
		held.set(rack.wave, (held.get(rack.wave) ?? new Map<string, string>()).set(rack.name, how));
		context.emit({
			type: 'notice',
			level: 'warn',
			rack: rack.name,
			message: `${rack.stackName} changed since change set ${preview.changeSetName} was previewed (${how}): wave ${rack.wave + 1} waits for a fresh approval of all its change sets.`,
		});
	}
	for (const [wave, changed] of held) gates.hold(wave, changed);
}

export interface PreviewedWave {
	wave: number;
	racks: string[];
	/** Racks whose stacks changed since the wave's earlier preview (rack → how), when it was held. */
	changed?: ReadonlyMap<string, string>;
}

/**
 * The fleet stopped with racks waiting: those whose change sets wait for approval are the wave's
 * preview, journaled with the wave gate's table of them and shown. Undefined when no rack waits on
 * an approval (they wait on manual checks).
 */
export async function recordPreviewedWave(
	context: FleetContext,
	gates: WaveGates,
	waiting: FleetRackRecord[],
): Promise<PreviewedWave | undefined> {
	const pending = await pendingApprovals(context, waiting);
	if (pending.length === 0) return undefined;
	const wave = Math.min(...pending.map(({rack}) => rack.wave));
	const ofWave = pending.filter(({rack}) => rack.wave === wave);
	const rows = ofWave
		.map(({rack, preview}) => gates.previewed(wave, rack.name, preview.changeSetName))
		.filter((row): row is RackChangeSet => row !== undefined);
	const table = changeSetTable(rows);
	const racks = ofWave.map(({rack}) => rack.name);
	context.change({
		type: 'wave-previewed',
		wave,
		changeSets: ofWave.map(({rack, runId, preview}) => ({
			rack: rack.name,
			runId,
			changeSetName: preview.changeSetName,
			consoleUrl: preview.consoleUrl,
		})),
		table,
		note: `Wave ${wave + 1} previewed: ${racks.length} change set(s) wait for approval (${racks.join(', ')}).`,
	});
	context.emit({type: 'change-sets', wave, racks, table});
	const changed = gates.held(wave);
	return {wave, racks, ...(changed ? {changed} : {})};
}

/** What the fleet says when a wave waits for approval, and how to give it. */
export function approvalWait(fleet: FleetRun, {wave, racks, changed}: PreviewedWave): {message: string; hint: string} {
	const again = changed
		? ` The stack${changed.size > 1 ? 's' : ''} of ${[...changed].map(([rack, how]) => `${rack} (${how})`).join(', ')} changed since the wave was previewed: fresh change sets, a fresh approval.`
		: '';
	return {
		message: `Wave ${wave + 1} of fleet ${fleet.fleet} waits for approval of ${racks.length} change set(s): ${racks.join(', ')}.${again}`,
		hint: `Review them, then run \`convox-ami resume ${fleet.id} --approve\` to execute exactly them.`,
	};
}
