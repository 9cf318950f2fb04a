import type {Run} from '../../core/types';
import {followUpOf} from '../follow-up';
import type {FleetContext} from './fleet-context';
import type {FleetRackRecord} from './fleet-journal';

/**
 * The failed racks left changed can go back, by the single rack's rule (verification failed after
 * the update): an update that failed was already rolled back by CloudFormation. Asked when someone
 * can answer, else named. The hint that ends the fleet's outcome.
 */
export async function offerRollback(context: FleetContext, failed: FleetRackRecord[]): Promise<string> {
	const {runs, config, prompter, world, sink} = context.session;
	const loaded = await Promise.all(failed.map(async rack => (rack.runId ? await runs.load(rack.runId).catch(() => undefined) : undefined)));
	const changed = loaded.filter((run): run is Run => Boolean(run) && followUpOf(run!, config, {guided: false})?.kind === 'rollback');
	if (changed.length === 0)
		return 'No failed rack is left changed (CloudFormation rolled back the updates that failed). Fix the cause, then run `convox-ami resume`.';
	const commands = changed.map(run => `convox-ami rollback ${run.id}`).join('; ');
	if (!prompter.interactive) return `Roll the failed racks back with: ${commands}. Or fix the cause and run \`convox-ami resume\`.`;
	const back = await prompter.confirm({
		message: `Roll back ${changed.map(run => run.env).join(', ')} to the Ami and Version they had before this fleet run?`,
		remedy: commands,
		defaultValue: false,
	});
	if (!back) return `Roll back later with: ${commands}.`;
	const outcomes = await Promise.all(
		changed.map(run => world.rollBack(run, {sink: sink.rackSink(run.env), prompter, onCreated: () => undefined})),
	);
	for (const outcome of outcomes)
		context.change({type: 'history', note: `Rollback run ${outcome.run.id} of ${outcome.run.env} ${outcome.run.status}.`});
	return `Rolled back: ${outcomes.map(outcome => `${outcome.run.env} (${outcome.run.status})`).join(', ')}.`;
}
