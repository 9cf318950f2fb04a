// npm run docs: writes the tables the docs derive from the code's declarations between their
// markers (`<!-- checks-table -->` … `<!-- /checks-table -->`, `steps-table`); test/docs/generated-tables.test.ts
// fails when one has drifted.
import {readFile, writeFile} from 'node:fs/promises';
import {GENERATED_TABLES, withTable} from './generated-tables';

for (const {file, marker, render} of GENERATED_TABLES) {
	const path = new URL(`../${file}`, import.meta.url);
	const before = await readFile(path, 'utf8');
	const after = withTable(before, marker, render());
	if (after !== before) {
		await writeFile(path, after);
		process.stdout.write(`${file}: ${marker} table rewritten\n`);
	}
}
