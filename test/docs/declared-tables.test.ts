import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const cli = (...args: string[]) => execFileSync(process.execPath, ['dist/cli.js', ...args], {encoding: 'utf8'});
/** The first cell of each row of the first table after `heading`. */
function firstColumn(markdown: string, heading: string): string[] {
	const rest = markdown.slice(markdown.indexOf(heading));
	const table = rest.slice(rest.indexOf('\n|')).split('\n\n')[0]!;
	return table
		.split('\n')
		.filter(line => line.startsWith('|'))
		.slice(2)
		.map(line => line.split('|')[1]!.trim());
}

describe('tables of the docs checked against what the code declares', () => {
	it('README: every command of `convox-ami --help` has a row in the commands table, and every row names one', () => {
		const declared = [...cli('--help').matchAll(/^ {2}(\w+)\b/gm)].map(match => match[1]!).filter(name => name !== 'help');
		const rows = firstColumn(read('README.md'), '## Commands');
		for (const command of declared)
			expect(
				rows.some(row => row.includes(`convox-ami ${command}`)),
				command,
			).toBe(true);
		for (const row of rows)
			expect(
				declared.some(
					command =>
						row.includes(`convox-ami ${command}`) || row === '`convox-ami` / `convox-ami release`' || row.startsWith('`convox-ami --help`'),
				),
				row,
			).toBe(true);
	});

	it('README: the flags paragraph names exactly the flags the commands declare', () => {
		const declared = [...cli('release', '--help').matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)]
			.map(match => match[1]!)
			.filter(flag => flag !== '--help');
		const readme = read('README.md');
		const paragraph = readme.slice(
			readme.indexOf('Flags (every command):'),
			readme.indexOf('\n\n', readme.indexOf('Flags (every command):')),
		);
		const named = [...new Set([...paragraph.matchAll(/`(--[a-z-]+)/g)].map(match => match[1]!))];
		expect(named.sort()).toEqual([...declared].sort());
	});
});
