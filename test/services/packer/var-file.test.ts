import {execFile} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {promisify} from 'node:util';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {serveVarFile, withVarFile} from '../../../source/services/packer/var-file';

const dir = mkdtempSync(path.join(tmpdir(), 'var-file-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe('serveVarFile', () => {
	it('is a 0600 named pipe in a 0700 folder; its one reader gets the JSON, then both are gone', async () => {
		const folder = path.join(dir, 'once.vars');
		const served = serveVarFile(folder, {librato_token: 'var-file-t0ken,x'});
		expect(statSync(folder).mode & 0o777).toBe(0o700);
		const pipe = statSync(served.path);
		expect(pipe.isFIFO()).toBe(true);
		expect(pipe.mode & 0o777).toBe(0o600);
		const read = await promisify(execFile)('cat', [served.path], {encoding: 'utf8', timeout: 5000});
		expect(JSON.parse(read.stdout)).toEqual({librato_token: 'var-file-t0ken,x'});
		expect(await served.served).toBe(true);
		expect(existsSync(folder)).toBe(false);
	});

	it('stopped before anyone read it: resolves false and leaves nothing', async () => {
		const folder = path.join(dir, 'stopped.vars');
		const served = serveVarFile(folder, {librato_token: 'never-read'});
		served.stop();
		expect(await served.served).toBe(false);
		expect(existsSync(folder)).toBe(false);
	});

	it('replaces a folder a crashed process left, with whatever was in it', async () => {
		const folder = path.join(dir, 'leftover.vars');
		mkdirSync(folder);
		writeFileSync(path.join(folder, 'variables.json'), '{"stale": "file"}');
		const served = serveVarFile(folder, {a: '2'});
		expect(readdirSync(folder)).toEqual(['variables.json']);
		expect(statSync(served.path).isFIFO()).toBe(true);
		const read = await promisify(execFile)('cat', [served.path], {encoding: 'utf8', timeout: 5000});
		expect(JSON.parse(read.stdout)).toEqual({a: '2'});
		expect(await served.served).toBe(true);
	});
});

describe('withVarFile', () => {
	it('puts the var-file after the -vars, before the template', () => {
		expect(withVarFile(['build', '-var', 'a=1', 't.json'], '-var-file=/p')).toEqual(['build', '-var', 'a=1', '-var-file=/p', 't.json']);
		expect(withVarFile(['validate', 't.json'], undefined)).toEqual(['validate', 't.json']);
	});
});
