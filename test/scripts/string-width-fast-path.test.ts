import {pathToFileURL} from 'node:url';
import {describe, expect, it} from 'vitest';
import {STANDALONE_BLOCKS, stringWidthFastPath} from '../../scripts/string-width-fast-path.mjs';
import {bundledDefault, nodeModule} from '../support/bundled-module';

type StringWidth = (text: string, options?: {ambiguousIsNarrow?: boolean}) => number;

const stringWidthEntry = nodeModule('string-width/index.js');

/** string-width as the build bundles it, with the fast path, and as it is. */
async function bothStringWidths(): Promise<{patched: StringWidth; original: StringWidth}> {
	const patched = await bundledDefault<StringWidth>(stringWidthEntry, [stringWidthFastPath]);
	const original = ((await import(pathToFileURL(stringWidthEntry).href)) as {default: StringWidth}).default;
	return {patched, original};
}

const characters = STANDALONE_BLOCKS.flatMap(([from, to]) =>
	Array.from({length: to - from + 1}, (_, index) => String.fromCharCode(from + index)),
);

describe('string-width with the fast path for characters that stand alone', () => {
	it('measures every character of its blocks, alone and after another, as string-width does, ambiguous ones narrow and wide', async () => {
		const {patched, original} = await bothStringWidths();
		const differences = characters.flatMap(character =>
			[character, `a${character}`, `${character}${character}`, `✔ ${character} …`].flatMap(text =>
				[true, false].flatMap(ambiguousIsNarrow =>
					patched(text, {ambiguousIsNarrow}) === original(text, {ambiguousIsNarrow})
						? []
						: [
								`${JSON.stringify(text)} (narrow ${ambiguousIsNarrow}): ${patched(text, {ambiguousIsNarrow})} against ${original(text, {ambiguousIsNarrow})}`,
							],
				),
			),
		);
		expect(characters).toHaveLength(1333);
		expect(differences).toEqual([]);
	});

	it('leaves what its blocks do not hold to the segmenter: wide, combining, joined, coloured', async () => {
		const {patched, original} = await bothStringWidths();
		for (const text of [
			'日本語',
			'e\u0301',
			'👍🏽',
			'👩‍💻',
			'✔️',
			'🇫🇷',
			'soft\u00adhyphen',
			'\u001b[31m✔ done\u001b[39m',
			'a\u200bb',
			'한국어',
			'\u1100\u1161',
		]) {
			expect(patched(text)).toBe(original(text));
		}
		expect(patched('⠋ Build AMI · 12.3 s')).toBe(20);
		expect(patched('日本語')).toBe(6);
	});
});
