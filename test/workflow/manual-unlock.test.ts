import {describe, expect, it} from 'vitest';
import {unlockByHand} from '../../source/workflow/manual-unlock';

const quiet = {print: () => undefined, warn: () => undefined};

describe('unlockByHand (convox-ami unlock)', () => {
	it('refuses without a lock id before opening any state, and without a shared state says where rack locks are', async () => {
		let opened = 0;
		const openShared = async () => {
			opened++;
			return undefined;
		};
		await expect(unlockByHand(undefined, openShared, {json: false, console: quiet})).rejects.toMatchObject({
			message: 'unlock needs the lock id that the refusal printed.',
			hint: 'Run `convox-ami unlock LOCK_ID`.',
		});
		expect(opened).toBe(0);
		const refusal = unlockByHand('111111111111.us-east-1.convox-dev.3f2a9c1b', openShared, {json: false, console: quiet});
		await expect(refusal).rejects.toMatchObject({
			message: 'Rack locks are kept in the S3 state; no state is configured here.',
			hint: expect.stringContaining('--state s3://BUCKET/PREFIX'),
		});
		expect(opened).toBe(1);
	});
});
