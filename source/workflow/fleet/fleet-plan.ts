import type {AccountConfig, Config} from '../../config/schema';
import {UsageError} from '../../core/errors';

/** One rack of a fleet: an entry of `accounts`, where it runs and in which wave. */
export interface FleetRack {
	name: string;
	account: AccountConfig;
	accountId: string;
	region: string;
	/** Index into the fleet's waves. */
	wave: number;
	production: boolean;
}

/** One AMI built per AWS account, in the region of its first rack, by that rack's run. */
export interface AmiBuild {
	accountId: string;
	region: string;
	/** The rack whose run builds the AMI (the account's first rack in wave order). */
	rack: string;
	production: boolean;
}

/** The account's AMI copied from the build's region to another region where that account has racks. */
export interface AmiCopy {
	accountId: string;
	sourceRegion: string;
	region: string;
}

export interface FleetPlan {
	fleet: string;
	waves: string[][];
	maxConcurrent: number;
	failureTolerance: number;
	racks: FleetRack[];
	builds: AmiBuild[];
	copies: AmiCopy[];
}

/** Racks of the named fleet with their account and region, the builds (one per account) and the copies (one per other region). */
export function planFleet(config: Config, fleetName: string, regionOverride?: string): FleetPlan {
	const fleet = config.fleets?.[fleetName];
	const names = Object.keys(config.fleets ?? {});
	if (!fleet) {
		throw new UsageError(
			names.length > 0
				? `No fleet "${fleetName}" in the config; it has ${names.join(', ')}.`
				: `No fleet "${fleetName}": the config has no "fleets" section.`,
			'Name a fleet of the config with --fleet NAME (docs/fleets.md shows the "fleets" section).',
		);
	}
	const racks: FleetRack[] = fleet.waves.flatMap((wave, index) =>
		wave.map(name => {
			const account = config.accounts[name]!;
			return {
				name,
				account,
				accountId: account.accountId,
				region: regionOverride ?? account.region ?? config.region,
				wave: index,
				production: account.production,
			};
		}),
	);
	const builds: AmiBuild[] = [];
	const copies: AmiCopy[] = [];
	for (const rack of racks) {
		const build = builds.find(candidate => candidate.accountId === rack.accountId);
		if (!build) {
			builds.push({accountId: rack.accountId, region: rack.region, rack: rack.name, production: rack.production});
			continue;
		}
		// An account mixing production and dev racks builds as production: its AMI is versioned by the git SHA.
		if (rack.production) build.production = true;
		if (rack.region !== build.region && !copies.some(copy => copy.accountId === rack.accountId && copy.region === rack.region)) {
			copies.push({accountId: rack.accountId, sourceRegion: build.region, region: rack.region});
		}
	}
	return {
		fleet: fleetName,
		waves: fleet.waves,
		maxConcurrent: fleet.maxConcurrent,
		failureTolerance: fleet.failureTolerance,
		racks,
		builds,
		copies,
	};
}
