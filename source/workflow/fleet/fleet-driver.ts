import {setMaxListeners} from 'node:events';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {EXIT, UsageError, type ExitCode} from '../../core/errors';
import type {FleetStatus} from '../../core/fleet-events';
import type {Run} from '../../core/types';
import {runsDir} from '../journal-store';
import {buildImages} from './build-images';
import {copyImages} from './copy-images';
import {FleetContext} from './fleet-context';
import {fleetFiles, type FleetImageRecord, type FleetRun} from './fleet-journal';
import {reduceFleet} from './fleet-reducer';
import {fleetReport} from './fleet-report';
import {resolveVersion} from './fleet-version';
import type {FleetOutcome, FleetSession} from './fleet-world';
import {offerRollback} from './rollback-offer';
import {runWaves, scheduleNow} from './run-waves';
import {approvalWait, recheckPreviews, recordPreviewedWave} from './wave-approval';
import {WaveGates} from './wave-gates';

/** The fleet's release record, next to its journal, and both in the shared state. */
async function writeFleetReport(context: FleetContext, untouched: string[]): Promise<void> {
	const {session, fleet} = context;
	const runs = new Map<string, Run>();
	for (const rack of fleet.racks) {
		if (!rack.runId) continue;
		const run = await session.runs.load(rack.runId).catch(() => undefined);
		if (run) runs.set(run.id, run);
	}
	const files = fleetFiles(session.stateDir, fleet.id);
	await writeFile(
		files.report,
		fleetReport({fleet, runs, untouched, reportDir: path.dirname(files.report), runsDir: runsDir(session.stateDir)}),
	);
	await context.store.settled(fleet.id);
}

async function end(context: FleetContext, status: FleetStatus, exitCode: ExitCode, message: string, hint?: string): Promise<FleetOutcome> {
	const headline = message.split('\n')[0]!;
	context.change({type: 'status', status, note: `Fleet ${status}: ${headline}`});
	const {fleet} = context;
	const untouched = fleet.racks.filter(rack => rack.state === 'pending' && !rack.runId).map(rack => rack.name);
	await writeFleetReport(context, status === 'stopped' || status === 'waiting' ? untouched : []);
	context.emit({
		type: 'fleet',
		status,
		mode: fleet.mode,
		message: headline,
		...(fleet.convoxVersion ? {convoxVersion: fleet.convoxVersion} : {}),
	});
	const files = fleetFiles(context.session.stateDir, fleet.id);
	return {exitCode, message, ...(hint ? {hint} : {}), journal: files.journal, report: files.report};
}

function endHalted(context: FleetContext): Promise<FleetOutcome> {
	const halt = context.halt!;
	return end(context, halt.exitCode === EXIT.interrupted ? 'interrupted' : 'failed', halt.exitCode, halt.message, halt.hint);
}

function endWithoutBuilds(context: FleetContext, failed: FleetImageRecord[]): Promise<FleetOutcome> {
	const message = `The AMI of ${failed.map(image => `account ${image.accountId} (run of ${image.rack})`).join(', ')} was not built; no rack was updated.`;
	return end(
		context,
		'failed',
		EXIT.failed,
		`${message}\n${failed.map(image => `  ${image.rack}: ${image.error ?? 'failed'}`).join('\n')}`,
		'Fix the cause, then run `convox-ami resume`: it looks for the AMI first, then builds again.',
	);
}

function endWithoutCopies(context: FleetContext, failed: FleetImageRecord[]): Promise<FleetOutcome> {
	return end(
		context,
		'failed',
		EXIT.failed,
		`Copying the AMIs failed for ${failed.map(image => `account ${image.accountId} in ${image.region}`).join(', ')}; no rack was updated.\n${failed.map(image => `  ${image.region}: ${image.error ?? 'failed'}`).join('\n')}`,
		'Fix the cause, then run `convox-ami resume`: copies made are found again, the rest is copied.',
	);
}

/** The fleet's verdict once its waves stopped: finished, waiting on a confirmation, or stopped by its tolerance. */
async function conclude(context: FleetContext, gates: WaveGates, untouched: string[]): Promise<FleetOutcome> {
	const {fleet} = context;
	const final = scheduleNow(context);
	const failed = fleet.racks.filter(rack => rack.state === 'failed');
	const done = fleet.racks.filter(rack => rack.state === 'done');
	if (context.stopping) {
		const halt = context.halt ?? {exitCode: EXIT.interrupted, message: 'Interrupted.'};
		return end(
			context,
			halt.exitCode === EXIT.usage ? 'failed' : 'interrupted',
			halt.exitCode,
			`${halt.message}\n${done.length} of ${fleet.racks.length} racks done; the fleet run continues with \`convox-ami resume\`.`,
			halt.hint ?? 'Run `convox-ami resume` to continue the fleet.',
		);
	}
	const left = final.verdict ? final.untouched : untouched;
	for (const name of left) context.emit({type: 'rack-state', rack: name, state: 'untouched', wave: context.rack(name).wave});
	switch (final.verdict) {
		case 'finished': {
			if (failed.length === 0 && fleet.dryRun)
				return end(
					context,
					'finished',
					EXIT.ok,
					`Fleet ${fleet.fleet} (dry run): all ${done.length} racks read, built and previewed as a dry run; nothing was changed.`,
				);
			if (failed.length === 0)
				return end(
					context,
					'finished',
					EXIT.ok,
					`Fleet ${fleet.fleet}: all ${done.length} racks released and verified with Convox ${fleet.convoxVersion}.`,
				);
			const hint = await offerRollback(context, failed);
			return end(
				context,
				'finished',
				EXIT.failed,
				`Fleet ${fleet.fleet}: ${done.length} racks done; ${failed.length} failed within the tolerance of ${fleet.failureTolerance}: ${failed.map(rack => rack.name).join(', ')}.`,
				hint,
			);
		}
		case 'waiting': {
			const waiting = fleet.racks.filter(rack => rack.state === 'waiting');
			const previewed = await recordPreviewedWave(context, gates, waiting);
			const approval = previewed && approvalWait(context.fleet, previewed);
			const confirming = waiting.filter(rack => !previewed?.racks.includes(rack.name));
			const later = `Later waves not started: ${left.join(', ') || 'none'}.`;
			const confirmations =
				confirming.length > 0
					? `Fleet ${fleet.fleet} waits on ${confirming.map(rack => `${rack.name} (${rack.detail?.split('\n')[0] ?? 'a manual confirmation'})`).join(', ')}.`
					: '';
			return end(
				context,
				'waiting',
				EXIT.waiting,
				[approval?.message, confirmations, later].filter(Boolean).join(' '),
				[approval?.hint, confirmations && 'Confirm with `convox-ami resume --confirm ID`.'].filter(Boolean).join(' '),
			);
		}
		default: {
			const hint = await offerRollback(context, failed);
			return end(
				context,
				'stopped',
				EXIT.failed,
				`Fleet ${fleet.fleet} stopped: ${failed.length} rack(s) failed (${failed.map(rack => rack.name).join(', ')}), more than the tolerance of ${fleet.failureTolerance}. Left untouched: ${left.join(', ') || 'none'}.`,
				hint,
			);
		}
	}
}

async function drive(context: FleetContext, resumed: boolean): Promise<FleetOutcome> {
	const {fleet, session} = context;
	const gates = new WaveGates(context);
	context.emit({
		type: 'fleet',
		status: resumed ? 'resumed' : 'started',
		mode: fleet.mode,
		message: `${fleet.racks.length} racks in ${fleet.waves.length} waves; run ${fleet.id}`,
	});
	try {
		if (!fleet.convoxVersion) await resolveVersion(context);
		const unbuilt = await buildImages(context, gates);
		if (context.halt) return await endHalted(context);
		if (unbuilt.length > 0) return await endWithoutBuilds(context, unbuilt);
		const uncopied = await copyImages(context);
		if (session.signal.aborted)
			return await end(
				context,
				'interrupted',
				EXIT.interrupted,
				'Interrupted while copying the AMIs.',
				'Run `convox-ami resume`: copies made are found again by their tags.',
			);
		if (uncopied.length > 0) return await endWithoutCopies(context, uncopied);
		if (resumed) await recheckPreviews(context, gates);
		return await conclude(context, gates, await runWaves(context, gates));
	} catch (error) {
		context.change({type: 'status', status: session.signal.aborted ? 'interrupted' : 'failed'});
		await writeFleetReport(context, []);
		throw error;
	}
}

/** A fleet run to resume: its racks must still be in the config, and it keeps its Convox version. */
export function resumeFleetRun(fleet: FleetRun, {config, convoxVersion}: Pick<FleetSession, 'config' | 'convoxVersion'>): FleetRun {
	const missing = fleet.racks.filter(rack => !config.accounts[rack.name]);
	if (missing.length > 0)
		throw new UsageError(
			`Fleet run ${fleet.id} has racks that are no longer in the config: ${missing.map(rack => rack.name).join(', ')}.`,
			'Put their accounts back in the config to resume it.',
		);
	if (convoxVersion && fleet.convoxVersion && convoxVersion !== fleet.convoxVersion) {
		throw new UsageError(
			`Fleet run ${fleet.id} keeps the Convox version it started with (${fleet.convoxVersion}); --convox-version cannot change it.`,
			'Start a new fleet run to release another version.',
		);
	}
	return reduceFleet(fleet, {
		type: 'resumed',
		at: new Date().toISOString(),
		note: `Fleet run resumed: ${fleet.racks.filter(rack => rack.state === 'done').length} of ${fleet.racks.length} racks done.`,
	});
}

/**
 * One fleet run, new or resumed: one Convox version for every rack, one AMI built per account (by
 * the run of its first rack) and copied to the account's other regions, then the waves, racks side
 * by side. Journaled in STATE_DIR/fleets/ID.json, linking one run per rack.
 */
export async function driveFleetRun(session: FleetSession, fleet: FleetRun, {resumed}: {resumed: boolean}): Promise<FleetOutcome> {
	const context = new FleetContext(session, fleet);
	await context.store.ensureWritable();
	// Every rack's run and watch listens to the session's one abort signal.
	setMaxListeners(0, session.signal);
	context.store.save(fleet);
	return drive(context, resumed);
}
