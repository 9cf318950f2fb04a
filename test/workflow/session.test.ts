import {mkdtemp} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import type {LoadedConfig} from '../../source/config/load-config';
import type {Services} from '../../source/core/ports';
import type {Flags} from '../../source/core/step';
import {InterruptRouter} from '../../source/workflow/interrupts';
import {JournalStore} from '../../source/workflow/journal-store';
import {newReleaseRun} from '../support/runs';
import {sessionStart} from '../../source/workflow/run-request';
import {Session} from '../../source/workflow/session';
import type {SessionInput, SessionScreen, SessionWorld} from '../../source/workflow/session-world';

const FLAGS: Flags = {dryRun: false, rehearse: false, yes: false, confirm: [], json: false};

async function storeWith(...runs: Array<{id: string; status: 'finished' | 'failed'; createdAt: string}>): Promise<JournalStore> {
	const store = new JournalStore(await mkdtemp(path.join(os.tmpdir(), 'convox-ami-session-')));
	await store.ensureWritable();
	for (const {id, status, createdAt} of runs) {
		store.save({...newReleaseRun(id), status, createdAt});
	}
	return store;
}

const inputOf = (store: JournalStore, command: SessionInput['command'], extra: Partial<SessionInput> = {}): SessionInput => ({
	command,
	flags: FLAGS,
	stateDir: store.stateDir,
	...extra,
});

describe('the run request (workflow/run-request.ts)', () => {
	it('release: a new release in the mode of the flags', async () => {
		const store = await storeWith();
		const start = await sessionStart(inputOf(store, 'release', {flags: {...FLAGS, dryRun: true}}), store);
		expect(start).toEqual({model: {world: 'live', readOnly: true}, request: {kind: 'release'}});
	});

	it('resume: the newest unfinished run, in the mode it was started in', async () => {
		const store = await storeWith(
			{id: 'old', status: 'failed', createdAt: '2026-01-01T00:00:00.000Z'},
			{id: 'new', status: 'failed', createdAt: '2026-02-01T00:00:00.000Z'},
		);
		const start = await sessionStart(inputOf(store, 'resume'), store);
		expect(start.request?.resume?.id).toBe('new');
		expect(start.model).toEqual({world: 'live', readOnly: false});
	});

	it('resume with nothing unfinished, --fleet with resume, a rollback of a run that never changed its stack: each says what to do', async () => {
		const store = await storeWith();
		await expect(sessionStart(inputOf(store, 'resume'), store)).rejects.toThrow(/No unfinished run in .*\./);
		await expect(sessionStart(inputOf(store, 'resume', {flags: {...FLAGS, fleet: 'all'}}), store)).rejects.toThrow(
			'--fleet goes with `convox-ami release`, not with resume.',
		);
		const failed = await storeWith({id: 'never-updated', status: 'failed', createdAt: '2026-01-01T00:00:00.000Z'});
		await expect(sessionStart(inputOf(failed, 'rollback', {runId: 'never-updated'}), failed)).rejects.toThrow(
			'Run never-updated never changed its stack, so there is nothing to roll back.',
		);
	});
});

describe('the session (workflow/session.ts)', () => {
	it('keeps one set of services per account and region, created without the fleet pace for a single run', async () => {
		const store = await storeWith();
		const created: Array<{account: string; region: string; sharedPace: boolean}> = [];
		const loaded = {
			config: {accounts: {dev: {accountId: '111111111111'}, prod: {accountId: '222222222222'}}},
		} as unknown as LoadedConfig;
		const world = {
			loaded,
			createServices: async (account, region, {sharedPace}) => {
				created.push({account: account.accountId, region, sharedPace});
				return {environment: {}} as unknown as Services;
			},
		} as Partial<SessionWorld> as SessionWorld;
		const session = new Session(inputOf(store, 'release'), store, {} as SessionScreen, new InterruptRouter(() => undefined), world, {
			world: 'live',
			readOnly: false,
		});
		const first = await session.servicesFor('dev', 'us-east-1');
		expect(await session.servicesFor('dev', 'us-east-1')).toBe(first);
		expect(await session.servicesFor('dev', 'eu-west-1')).not.toBe(first);
		await session.servicesFor('prod', 'us-east-1');
		expect(created).toEqual([
			{account: '111111111111', region: 'us-east-1', sharedPace: false},
			{account: '111111111111', region: 'eu-west-1', sharedPace: false},
			{account: '222222222222', region: 'us-east-1', sharedPace: false},
		]);
	});
});
