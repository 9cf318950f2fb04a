import {mkdtemp} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {rehearsalEnv, runCli} from '../support/cli-env';

const stepDone = (events: Array<Record<string, unknown>>, step: string) =>
	events.find(event => event.type === 'step' && event.step === step && event.status === 'done');

describe('--rehearse with the current rack', () => {
	it('releases the required version from the SSM-named AMI (saying Amazon Linux 2 is past its support), then the newest on AL2023 when run again', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'convox-ami-rehearse-current-'));
		const env = rehearsalEnv(dir, {CI: 'true', CONVOX_AMI_REHEARSAL_CHANGE_SET_MS: '50', CONVOX_AMI_REHEARSAL_PACKER: 'replay'});
		const args = ['--rehearse', '--env', 'current', '--yes', '--json'];
		const eraNotices = (events: Array<Record<string, unknown>>) =>
			events
				.filter(event => event.type === 'notice' && event.step === 'resolve-version' && event.level === 'warn')
				.map(event => String(event.message));
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
		expect(eraNotices(first.events)).toEqual([
			expect.stringMatching(
				/^The base AMI is Amazon Linux 2, whose ECS-optimized AMIs reached their end of support on 2026-06-30\. Convox 20260708102410 moves/,
			),
		]);

		const second = await runCli(args, {cwd: dir, env});
		expect(second.code, second.stderr).toBe(0);
		expect(stepDone(second.events, 'resolve-version')).toMatchObject({
			convoxVersion: '20260708102410',
			versionRule: 'newest',
			amiParameter: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
			stackVersion: '20260212195551',
		});
		expect(stepDone(second.events, 'update-stack')).toMatchObject({stackStatus: 'UPDATE_COMPLETE', previousVersion: '20260212195551'});
		expect(eraNotices(second.events), 'Amazon Linux 2023 needs no word').toEqual([]);
	});
});
