import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {parseVersionId, selectVersion} from '../../source/convox/select-version';
import type {VersionEntry} from '../../source/core/releases';

const fixtures = new URL('../fixtures/releases/', import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as VersionEntry[];
const entry = (version: string, published = true, required = false): VersionEntry => ({version, description: '', published, required});

describe('version selection', () => {
	it('takes the newest published version of the sample', () => {
		const selection = selectVersion(load('versions.sample.json'));
		expect(selection).toMatchObject({kind: 'newest', entry: {version: '20160916121812'}});
	});

	it('finds nothing in an empty or unpublished list', () => {
		expect(selectVersion(load('versions.empty.json'))).toEqual({kind: 'none-published', total: 0});
		expect(selectVersion(load('versions.none-published.json'))).toEqual({kind: 'none-published', total: 2});
	});

	it('orders by timestamp, not array position, and says what Convox would take', () => {
		const selection = selectVersion([entry('20160916121812'), entry('20161002153025'), entry('20160820033210')]);
		expect(selection).toMatchObject({kind: 'newest', entry: {version: '20161002153025'}, convoxRule: {version: '20160820033210'}});
	});

	it('skips a published branch build unless pinned', () => {
		const entries = [entry('20160912193121'), entry('20160920235634-compose-env')];
		expect(selectVersion(entries)).toMatchObject({
			kind: 'newest',
			entry: {version: '20160912193121'},
			skippedBranches: ['20160920235634-compose-env'],
		});
		expect(selectVersion(entries, '20160920235634-compose-env')).toMatchObject({kind: 'pinned'});
	});

	it('compares 10-digit ids of 2015 as timestamps', () => {
		expect(parseVersionId('2015061501')).toEqual({stamp: '20150615010000'});
		expect(selectVersion([entry('20150601000000'), entry('2015061501')])).toMatchObject({entry: {version: '2015061501'}});
		expect(parseVersionId('latest')).toBeUndefined();
	});

	it('reports pins that are unknown or unpublished', () => {
		const entries = load('versions.sample.json');
		expect(selectVersion(entries, '20990101000000')).toEqual({kind: 'pinned-unknown', version: '20990101000000'});
		expect(selectVersion(entries, '20160920235634')).toMatchObject({kind: 'pinned-unpublished'});
		expect(selectVersion(entries, '20160408144745')).toMatchObject({kind: 'pinned'});
	});

	it('lists the required versions a pin jumps over, between the stack and the pin', () => {
		const entries = load('versions.sample.json');
		const pastRequired = (current: string | undefined) => {
			const selection = selectVersion(entries, '20160916121812', current);
			return selection.kind === 'pinned' ? selection.pastRequired.map(item => item.version) : selection.kind;
		};
		expect(pastRequired('20160323012659')).toEqual(['20160408144745']);
		expect(pastRequired('20160502194942')).toEqual([]);
		expect(pastRequired(undefined)).toEqual([]);
	});
});

describe("Convox's required-version rule on the real version ids of 2022-2026", () => {
	const modern = load('versions.modern.sample.json');

	it('from 20251210124504 the target is the required 20260212195551, the newest waiting behind it', () => {
		expect(selectVersion(modern, undefined, '20251210124504')).toMatchObject({
			kind: 'required',
			entry: {version: '20260212195551'},
			newest: {version: '20260708102410'},
		});
	});

	it('from 20260212195551 (the required one itself) the target is the newest published', () => {
		expect(selectVersion(modern, undefined, '20260212195551')).toMatchObject({kind: 'newest', entry: {version: '20260708102410'}});
	});

	it('from before 20220728124649 the first required after the stack comes first', () => {
		expect(selectVersion(modern, undefined, '20211012153041')).toMatchObject({kind: 'required', entry: {version: '20220728124649'}});
	});

	it('without the stack version (unknown), the newest published', () => {
		expect(selectVersion(modern)).toMatchObject({kind: 'newest', entry: {version: '20260708102410'}});
	});

	it('a pin names the required versions it jumps over', () => {
		expect(selectVersion(modern, '20260708102410', '20251210124504')).toMatchObject({
			kind: 'pinned',
			pastRequired: [{version: '20260212195551'}],
		});
		expect(selectVersion(modern, '20260212195551', '20251210124504')).toMatchObject({kind: 'pinned', pastRequired: []});
		expect(selectVersion(modern, '20260708102410', '20211012153041')).toMatchObject({
			kind: 'pinned',
			pastRequired: [{version: '20220728124649'}, {version: '20260212195551'}],
		});
	});
});
