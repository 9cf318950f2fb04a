import type {CliOptions, CommandName} from '../core/command-input';
import {UsageError} from '../core/errors';
import type {Flags} from '../core/step';
import {parseVersionId} from '../convox/select-version';

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ENV_PATTERN = /^[a-z][a-z0-9-]*$/;

function toFlags(options: CliOptions, args: string[], name: CommandName): Flags {
	if (options.convoxVersion !== undefined && !parseVersionId(options.convoxVersion)) {
		throw new UsageError(
			`--convox-version ${options.convoxVersion} is not a Convox version id (YYYYMMDDHHMMSS, optionally with a -suffix).`,
		);
	}
	if (options.region !== undefined && !REGION_PATTERN.test(options.region))
		throw new UsageError(`--region ${options.region} is not an AWS region such as us-east-1.`);
	if (options.env !== undefined && !ENV_PATTERN.test(options.env))
		throw new UsageError(`--env ${options.env} is not an account name (lowercase letters, digits and dashes).`);
	if (options.fleet !== undefined && !ENV_PATTERN.test(options.fleet))
		throw new UsageError(`--fleet ${options.fleet} is not a fleet name (lowercase letters, digits and dashes).`);
	if (options.fleet !== undefined && options.env !== undefined)
		throw new UsageError('--fleet and --env exclude each other: a fleet names its racks.', 'Drop one of them.');
	if (options.until !== undefined && options.until !== 'preview')
		throw new UsageError(`--until ${options.until} is not a stop this tool knows; the one there is: --until preview.`);
	const count = (flag: string, value: string | undefined): number | undefined => {
		if (value === undefined) return undefined;
		if (!/^\d+$/.test(value)) throw new UsageError(`${flag} ${value} is not a whole number of ${flag === '--keep' ? 'images' : 'days'}.`);
		return Number(value);
	};
	const keep = count('--keep', options.keep);
	const minAgeDays = count('--min-age', options.minAge);
	for (const id of name === 'unlock' ? [] : args) {
		if (!/^[\w-]+$/.test(id)) throw new UsageError(`${id} is not a run id (see \`convox-ami runs\`).`);
	}
	for (const id of options.confirm) {
		if (!ENV_PATTERN.test(id)) throw new UsageError(`--confirm ${id} is not a checklist item id.`);
	}
	return {
		...(options.env ? {env: options.env} : {}),
		...(options.convoxVersion ? {convoxVersion: options.convoxVersion} : {}),
		skipRequired: Boolean(options.skipRequired),
		...(options.region ? {region: options.region} : {}),
		...(options.fleet ? {fleet: options.fleet} : {}),
		dryRun: Boolean(options.dryRun),
		rehearse: Boolean(options.rehearse),
		yes: Boolean(options.yes),
		confirm: options.confirm,
		json: Boolean(options.json),
		...(keep === undefined ? {} : {keep}),
		...(minAgeDays === undefined ? {} : {minAgeDays}),
		...(options.until === 'preview' ? {until: options.until} : {}),
		...(options.approve ? {approve: true} : {}),
	};
}

/** `--until preview` starts a release that waits for approval; `--approve` gives that approval to a run waiting for it. */
function assertApprovalFlags(name: CommandName, flags: Flags): void {
	if (flags.until && name !== 'release')
		throw new UsageError(
			`--until preview goes with \`convox-ami release\`, not with ${name}.`,
			'Approve a previewed run with `convox-ami resume RUN_ID --approve`.',
		);
	if (flags.until && flags.dryRun)
		throw new UsageError(
			'--until preview and --dry-run exclude each other: a dry run deletes the change set it shows.',
			'Drop one of them.',
		);
	if (flags.approve && name !== 'resume')
		throw new UsageError(
			`--approve goes with \`convox-ami resume RUN_ID\`, not with ${name}.`,
			'Preview first with `convox-ami release --until preview`.',
		);
}

/** The command line's options, checked one by one and together, as the typed flags every command reads. */
export function flagsOf(name: CommandName, args: string[], options: CliOptions): Flags {
	const flags = toFlags(options, args, name);
	assertApprovalFlags(name, flags);
	return flags;
}
