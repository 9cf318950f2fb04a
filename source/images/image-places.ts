import type {Config} from '../config/schema';
import {UsageError} from '../core/errors';
import type {JournalImages} from './journal-images';

/** An account and region to list images in. */
export interface ImagePlace {
	accountId: string;
	region: string;
	/** The config account whose profile reads this place (one of the selected ones). */
	reader: string;
	/** The selected config accounts here (racks, or the accounts of runs that built here). */
	accountNames: string[];
	/** Every rack stack of the config in this account and region, selected or not: a stack uses an image whoever asked. */
	stackNames: string[];
}

/** The config accounts `--env`, `--fleet` or neither (every account) selects. */
export function selectedAccounts(config: Config, selection: {env?: string; fleet?: string}, configPath: string): string[] {
	const names = Object.keys(config.accounts);
	if (selection.env) {
		if (!config.accounts[selection.env])
			throw new UsageError(`No account "${selection.env}" in ${configPath}; it has ${names.join(', ')}.`);
		return [selection.env];
	}
	if (selection.fleet) {
		const fleet = config.fleets?.[selection.fleet];
		if (!fleet) {
			const fleets = Object.keys(config.fleets ?? {});
			throw new UsageError(`No fleet "${selection.fleet}" in ${configPath}${fleets.length > 0 ? `; it has ${fleets.join(', ')}` : ''}.`);
		}
		return [...new Set(fleet.waves.flat())];
	}
	return names;
}

/**
 * The accounts and regions to list: those of the selected racks, and (unless `--region` names the one
 * region) every region where the journal's runs of those accounts built an AMI.
 */
export function imagePlaces(config: Config, selected: string[], journal: JournalImages, regionOverride?: string): ImagePlace[] {
	const regionOf = (name: string) => regionOverride ?? config.accounts[name]!.region ?? config.region;
	const places = new Map<string, ImagePlace>();
	const add = (name: string, region: string) => {
		const {accountId} = config.accounts[name]!;
		const key = `${accountId}/${region}`;
		const place = places.get(key) ?? {
			accountId,
			region,
			reader: name,
			accountNames: [],
			stackNames: Object.entries(config.accounts)
				.filter(([other, account]) => account.accountId === accountId && regionOf(other) === region)
				.map(([, account]) => account.stackName),
		};
		if (!place.accountNames.includes(name)) place.accountNames.push(name);
		places.set(key, place);
	};
	for (const name of selected) add(name, regionOf(name));
	if (!regionOverride) {
		for (const built of journal.built) if (selected.includes(built.account)) add(built.account, built.region);
	}
	return [...places.values()].map(place => ({...place, stackNames: [...new Set(place.stackNames)]}));
}
