import {resolveFleetVersion} from '../../convox/fleet-version';
import {mapBounded} from './bounded';
import type {FleetContext} from './fleet-context';

/** Stack reads while the fleet's version is resolved, side by side. */
const READ_CONCURRENCY = 8;

/** One Convox version for the fleet, resolved against every rack's current `Version`. */
export async function resolveVersion(context: FleetContext): Promise<void> {
	const {session, fleet} = context;
	const {signal, world} = session;
	const first = await world.servicesFor(fleet.racks[0]!);
	const entries = await first.releases.versions(signal);
	const current = await mapBounded(fleet.racks, READ_CONCURRENCY, async rack => ({
		rack: rack.name,
		current: await world.stackVersion(rack, fleet.fleet, signal),
	}));
	const version = resolveFleetVersion(entries, current, session.convoxVersion);
	if (version.holders.length > 0) {
		const named = version.holders.map(holder => `${holder.rack} (on ${holder.current})`).join(', ');
		const message = version.pinned
			? `--convox-version ${version.version} jumps over required versions for ${version.holders.map(holder => `${holder.rack} (on ${holder.current}, required ${holder.required})`).join(', ')}.`
			: `Convox ${version.version} for the whole fleet, not the newest ${version.newest}: ${named} must pass through the required ${version.version} first. Release the fleet again afterwards for ${version.newest}.`;
		context.emit({type: 'notice', level: 'warn', message});
		context.change({type: 'history', note: message});
	}
	context.change({
		type: 'version-resolved',
		convoxVersion: version.version,
		note: `Convox ${version.version} for every rack${version.pinned ? ' (pinned)' : ''}.`,
	});
	context.emit({type: 'fleet', status: 'running', mode: fleet.mode, convoxVersion: version.version});
}
