import type {FleetContext} from './fleet-context';
import type {FleetImageRecord} from './fleet-journal';
import {errorText} from '../../core/errors';

async function copyForAccount(context: FleetContext, accountId: string, copies: FleetImageRecord[]): Promise<void> {
	const {fleet, session} = context;
	const source = fleet.images.find(image => image.kind === 'build' && image.accountId === accountId)!;
	if (fleet.dryRun) {
		for (const copy of copies) {
			context.change({type: 'image-made', accountId, region: copy.region});
			context.emit({
				type: 'image',
				kind: 'copy',
				accountId,
				region: copy.region,
				status: 'done',
				message: `dry run: would copy the AMI of ${source.region} here (CopyImage, encrypted, tags copied)`,
			});
		}
		return;
	}
	const from = {region: source.region, amiId: source.amiId!};
	for (const copy of copies) {
		context.change({type: 'image-started', accountId, region: copy.region, copiedFrom: from});
		context.emit({
			type: 'image',
			kind: 'copy',
			accountId,
			region: copy.region,
			status: 'running',
			message: `from ${from.amiId} (${from.region})`,
		});
	}
	const fail = (region: string, error: string) => {
		context.change({type: 'image-failed', accountId, region, error, retry: session.signal.aborted});
		context.emit({type: 'image', kind: 'copy', accountId, region, status: 'failed', message: error});
	};
	let result;
	try {
		result = await session.world.copyImage(context.rack(source.rack!), {
			source: {
				...from,
				name: `convox-ami-${fleet.convoxVersion}-${from.amiId}`,
				description: `convox-ami fleet ${fleet.fleet} (${fleet.id}): ${from.amiId} from ${from.region}`,
			},
			regions: copies.map(copy => copy.region),
			fleetRunId: fleet.id,
			signal: session.signal,
			onProgress: message => context.emit({type: 'notice', level: 'info', message}),
		});
	} catch (error) {
		for (const copy of copies) fail(copy.region, errorText(error));
		return;
	}
	for (const {region, amiId, adopted} of result.copied) {
		context.change({
			type: 'image-made',
			accountId,
			region,
			amiId,
			adopted,
			note: `Copied ${from.amiId} (${from.region}) to ${region} for account ${accountId}: ${amiId}${adopted ? ' (found from an earlier attempt)' : ''}.`,
		});
		context.emit({
			type: 'image',
			kind: 'copy',
			accountId,
			region,
			status: 'done',
			amiId,
			...(adopted ? {message: 'found from an earlier attempt, not copied again'} : {}),
		});
	}
	for (const {region, error} of result.failed) fail(region, error);
}

/** Each account's AMI to the other regions of its racks, every copy side by side. The copies that failed, if any. */
export async function copyImages(context: FleetContext): Promise<FleetImageRecord[]> {
	const pending = context.fleet.images.filter(image => image.kind === 'copy' && image.status !== 'done');
	const accounts = [...new Set(pending.map(image => image.accountId))];
	await Promise.all(
		accounts.map(accountId =>
			copyForAccount(
				context,
				accountId,
				pending.filter(image => image.accountId === accountId),
			),
		),
	);
	return context.fleet.images.filter(image => image.kind === 'copy' && image.status === 'failed');
}
