import {mkdtemp} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../support/cli-env';

const stepDone = (events: Array<Record<string, unknown>>, step: string) =>
	events.find(event => event.type === 'step' && event.step === step && event.status === 'done');

describe('--rehearse with the current rack', () => {
	it('releases the required version from the SSM-named AMI, then the newest on AL2023 when run again', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-rehearse-current-'));
		const env = {
			PATH: process.env.PATH,
			HOME: dir,
			LANG: 'C.UTF-8',
			CI: 'true',
			CONVOX_AMI_REHEARSAL_BUILD_SECONDS: '1',
			CONVOX_AMI_REHEARSAL_TICK_MS: '20',
			CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '50',
			CONVOX_AMI_REHEARSAL_PACKER: 'replay',
		};
		const args = ['--rehearse', '--env', 'current', '--yes', '--confirm', 'sumologic', '--json'];
		const first = await runCli(args, {cwd: dir, env});
		expect(first.code, first.stderr).toBe(0);
		expect(stepDone(first.events, 'resolve-version')).toMatchObject({
			convoxVersion: '20260212195551',
			versionRule: 'required',
			nextVersion: '20260708102410',
			amiParameter: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id',
			architecture: 'x86_64',
			buildInstance: 't3.small',
		});
		expect(stepDone(first.events, 'verify')).toBeDefined();

		const second = await runCli(args, {cwd: dir, env});
		expect(second.code, second.stderr).toBe(0);
		expect(stepDone(second.events, 'resolve-version')).toMatchObject({
			convoxVersion: '20260708102410',
			versionRule: 'newest',
			amiParameter: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
			stackVersion: '20260212195551',
		});
		expect(stepDone(second.events, 'update-stack')).toMatchObject({stackStatus: 'UPDATE_COMPLETE', previousVersion: '20260212195551'});
	});
});
