import {readFile} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import {GENERATED_TABLES, tableIn} from '../../scripts/generated-tables';
import {CHECKS} from '../../source/checklist/checks/index';
import {STEP_IDS} from '../../source/core/types';

describe('tables generated from the declarations', () => {
	for (const {file, marker, render} of GENERATED_TABLES) {
		it(`${file}: the ${marker} table is what the declarations say (npm run docs rewrites it)`, async () => {
			const text = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
			expect(tableIn(text, marker)).toBe(render());
		});
	}

	it('the checks table has a row per declared check, with its old id', () => {
		const table = CHECKS.map(check => check.id);
		const rendered = GENERATED_TABLES.find(table => table.marker === 'checks-table')!.render();
		expect(
			rendered
				.split('\n')
				.slice(2)
				.map(line => /^\| `([a-z-]+)`/.exec(line)?.[1]),
		).toEqual(table);
		expect(rendered).toContain('`metrics` (was `librato`)');
		expect(rendered).toContain('`logs` (was `sumologic`)');
	});

	it('the steps table has a row per declared step, in the order a release runs them', () => {
		const rendered = GENERATED_TABLES.find(table => table.marker === 'steps-table')!.render();
		const rows = rendered.split('\n').slice(2);
		expect(rows.map(line => /^\| `([a-z-]+)`/.exec(line)?.[1])).toEqual(STEP_IDS);
		expect(rows.find(line => line.startsWith('| `update-stack`'))).toContain('| release, rollback |');
	});
});
