import {EXIT, UsageError, type ExitCode} from '../core/errors';
import {releaseLockById} from '../workflow/stack-lock';
import type {CommandInput} from '../core/command-input';
import {openSharedState} from './open-state';

/** `convox-ami unlock LOCK_ID`: releases by hand the rack lock a refusal named (as `terraform force-unlock`). */
export async function unlock(input: CommandInput): Promise<ExitCode> {
	const lockId = input.args[0];
	if (!lockId) throw new UsageError('unlock needs the lock id that the refusal printed.', 'Run `convox-ami unlock LOCK_ID`.');
	const shared = await openSharedState(input);
	if (!shared)
		throw new UsageError(
			'Rack locks are kept in the S3 state; no state is configured here.',
			'Pass --state s3://BUCKET/PREFIX, or set state.s3 in the config. A local state dir is unlocked when its process ends.',
		);
	try {
		const holder = await releaseLockById(shared.mirror.backend, lockId);
		const said = `Released the lock ${lockId} held by ${holder.user}@${holder.host} pid ${holder.pid} for run ${holder.runId} since ${holder.since}.`;
		process.stdout.write(input.flags.json ? `${JSON.stringify({type: 'unlocked', lockId, holder})}\n` : `${said}\n`);
		return EXIT.ok;
	} finally {
		await shared.close();
	}
}
