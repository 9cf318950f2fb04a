import {parseVersionId, requiredBetween, selectVersion} from './select-version';
import {UsageError} from '../core/errors';
import type {VersionEntry} from '../core/releases';

export interface RackVersion {
	rack: string;
	/** The stack's `Version` parameter; undefined when it has none. */
	current: string | undefined;
}

export interface FleetVersion {
	version: string;
	/** The newest published version (or the pin). */
	newest: string;
	/** Racks whose required version keeps the fleet below `newest`, with that version. */
	holders: Array<{rack: string; current: string; required: string}>;
	pinned: boolean;
}

function stamp(version: string): string {
	return parseVersionId(version)?.stamp ?? '';
}

/**
 * One Convox version for every rack of the fleet. Without a pin, each rack's target follows Convox's
 * rule (the first published `required` version newer than its current one, else the newest); the
 * fleet takes the lowest, and names the racks that hold it back. A rack already past that version
 * would be downgraded: refused, naming the racks to release apart first.
 */
export function resolveFleetVersion(entries: VersionEntry[], racks: RackVersion[], pin?: string): FleetVersion {
	const selection = selectVersion(entries, pin);
	if (selection.kind === 'none-published')
		throw new UsageError(
			'versions.json lists no published release build.',
			'Pin one with --convox-version V, or check CONVOX_RELEASES_URL.',
		);
	const newest = selection.kind === 'pinned-unknown' ? selection.version : selection.entry.version;
	if (pin) {
		const holders = racks.flatMap(({rack, current}) => {
			const required = current ? requiredBetween(entries, current, pin) : [];
			return required.length > 0 ? [{rack, current: current!, required: required[0]!.version}] : [];
		});
		return {version: pin, newest, holders, pinned: true};
	}
	const targets = racks.map(({rack, current}) => {
		const required = current ? requiredBetween(entries, current, newest) : [];
		return {rack, current, target: required[0]?.version ?? newest};
	});
	const version = targets.reduce((lowest, {target}) => (stamp(target) < stamp(lowest) ? target : lowest), newest);
	const ahead = racks.filter(({current}) => current && stamp(current) > stamp(version));
	if (ahead.length > 0) {
		const holding = targets.filter(({target}) => target === version).map(({rack, current}) => `${rack} (on ${current ?? '?'})`);
		throw new UsageError(
			`The fleet cannot take one Convox version: ${holding.join(', ')} must pass through the required ${version} first, but ${ahead.map(({rack, current}) => `${rack} is on ${current}`).join(', ')}, already past it.`,
			`Release the racks that hold it back apart first (convox-ami release --env NAME), or pin one version for all with --convox-version V.`,
		);
	}
	const holders = targets
		.filter(({target}) => target === version && version !== newest)
		.map(({rack, current}) => ({rack, current: current!, required: version}));
	return {version, newest, holders, pinned: false};
}
