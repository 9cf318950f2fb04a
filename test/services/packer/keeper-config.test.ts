import {Readable} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {runKeeper} from '../../../source/services/packer/keeper';

describe("the keeper's config from the CLI", () => {
	it('without an environment for Packer (a CLI of another version): refused before Packer starts, never the keeper’s own environment', async () => {
		const config = {binary: '/bin/false', args: ['build'], env: {AWS_ACCESS_KEY_ID: 'AKIAOLDFIELDNAME0001'}};
		await expect(runKeeper(Readable.from([JSON.stringify(config)]))).rejects.toThrow(
			'The keeper was handed no environment for Packer (a convox-ami of another version started it?): Packer was not started.',
		);
	});
});
