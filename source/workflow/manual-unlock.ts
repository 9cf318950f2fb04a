import type {CommandConsole} from '../core/command-input';
import {UsageError} from '../core/errors';
import {releaseLockById} from './stack-lock';
import type {SharedState} from './state-mirror';

/** `convox-ami unlock LOCK_ID`: releases by hand the rack lock a refusal named (as `terraform force-unlock`), in the shared state `openShared` opens. */
export async function unlockByHand(
	lockId: string | undefined,
	openShared: () => Promise<SharedState | undefined>,
	{json, console}: {json: boolean; console: CommandConsole},
): Promise<void> {
	if (!lockId) throw new UsageError('unlock needs the lock id that the refusal printed.', 'Run `convox-ami unlock LOCK_ID`.');
	const shared = await openShared();
	if (!shared)
		throw new UsageError(
			'Rack locks are kept in the S3 state; no state is configured here.',
			'Pass --state s3://BUCKET/PREFIX, or set state.s3 in the config. A local state dir is unlocked when its process ends.',
		);
	try {
		const holder = await releaseLockById(shared.mirror.backend, lockId);
		const said = `Released the lock ${lockId} held by ${holder.user}@${holder.host} pid ${holder.pid} for run ${holder.runId} since ${holder.since}.`;
		console.print(json ? `${JSON.stringify({type: 'unlocked', lockId, holder})}\n` : `${said}\n`);
	} finally {
		await shared.close();
	}
}
