import {EXIT} from '../../core/errors';
import {outputsOf} from '../../core/step-outputs';
import type {FleetContext} from './fleet-context';
import type {FleetImageRecord} from './fleet-journal';
import {driveRackRun} from './rack-run';
import type {WaveGates} from './wave-gates';

/** The build of one account's AMI by the run of its first rack, up to its build step. */
async function build(context: FleetContext, gates: WaveGates, image: FleetImageRecord): Promise<void> {
	const rack = context.rack(image.rack!);
	const place = {accountId: image.accountId, region: image.region};
	const report = (status: 'running' | 'done' | 'failed', details: {amiId?: string; message?: string} = {}) =>
		context.emit({type: 'image', kind: 'build', ...place, status, rack: rack.name, ...details});
	context.change({type: 'image-started', ...place});
	report('running', image.runId ? {message: `resuming run ${image.runId}`} : {});
	const outcome = await driveRackRun(context, gates, rack, {
		stopAfter: 'build',
		onCreated: run => ({type: 'image-run-created', ...place, runId: run.id}),
	});
	const built = outcome.run.steps.find(step => step.id === 'build')?.status === 'done';
	const {amiId} = outputsOf(outcome.run, 'build');
	if (built && amiId) {
		context.change({
			type: 'image-made',
			...place,
			amiId,
			note: `Built ${amiId} for account ${image.accountId} in ${image.region} (run ${outcome.run.id} of ${rack.name}).`,
		});
		report('done', {amiId});
		return;
	}
	if (built && context.fleet.dryRun) {
		context.change({
			type: 'image-made',
			...place,
			note: `Dry run: the build for account ${image.accountId} was validated, nothing was built; each rack's dry run validates its own.`,
		});
		report('done', {message: 'dry run: validated, nothing built'});
		return;
	}
	const error = built ? 'the build recorded no AMI' : (outcome.message ?? `run ${outcome.run.id} ${outcome.run.status}`);
	const halted = outcome.exitCode === EXIT.interrupted || outcome.exitCode === EXIT.usage || outcome.exitCode === EXIT.waiting;
	if (halted) {
		context.stop({
			exitCode: outcome.exitCode,
			message: outcome.message ?? `The build of account ${image.accountId} stopped.`,
			...(outcome.hint ? {hint: outcome.hint} : {}),
		});
	}
	context.change({type: 'image-failed', ...place, error, retry: halted});
	report('failed', {message: error});
}

/** One AMI per account, built by the run of the account's first rack, all accounts side by side. The builds that failed, if any. */
export async function buildImages(context: FleetContext, gates: WaveGates): Promise<FleetImageRecord[]> {
	const builds = context.fleet.images.filter(image => image.kind === 'build' && image.status !== 'done');
	await Promise.all(builds.map(image => build(context, gates, image)));
	return context.fleet.images.filter(image => image.kind === 'build' && image.status === 'failed');
}
