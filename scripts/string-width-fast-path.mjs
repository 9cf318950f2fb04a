import {readFile} from 'node:fs/promises';
import {dirname, join} from 'node:path';

/**
 * string-width (Ink's measure of every text it draws) takes a string of printable ASCII by its
 * length; anything else goes through Intl.Segmenter and Unicode-property regular expressions,
 * whose first use alone costs tens of milliseconds. The screen's texts are ASCII and a few symbols
 * (· ✔ ✖ … ▸ → ⠋): here a string of printable ASCII and of characters from blocks in which each
 * character stands alone (no combining marks, joiners, variation selectors, format characters or
 * Hangul jamo) is the sum of its characters' East Asian widths, which is what the segmenter's path
 * gives for such characters (test/scripts/string-width-fast-path.test.ts compares every one).
 * Only string-width 8 is changed (wrap-ansi keeps a string-width 7 of its own).
 *
 * The build fails if the line it follows moved.
 */
const ASCII_FAST_PATH = `	if (/^[\\u0020-\\u007E]*$/.test(string)) {
		return string.length;
	}
`;

/** The blocks of characters taken by their East Asian width alone, printable ASCII first. */
export const STANDALONE_BLOCKS = [
	[0x20, 0x7e],
	[0xa0, 0xac],
	[0xae, 0xff],
	[0x20_10, 0x20_27],
	[0x20_30, 0x20_5e],
	[0x21_90, 0x21_ff],
	[0x25_00, 0x27_bf],
	[0x28_00, 0x28_ff],
];

const escaped = codePoint => `\\u${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
const standalone = `/^[${STANDALONE_BLOCKS.map(([from, to]) => `${escaped(from)}-${escaped(to)}`).join('')}]*$/`;

const STANDALONE_FAST_PATH = `${ASCII_FAST_PATH}
	if (${standalone}.test(string)) {
		const eastAsianWidthOptions = {ambiguousAsWide: !ambiguousIsNarrow};
		let width = 0;
		for (let index = 0; index < string.length; index++) {
			const codePoint = string.charCodeAt(index);
			width += codePoint < 0x7F ? 1 : eastAsianWidth(codePoint, eastAsianWidthOptions);
		}
		return width;
	}
`;

export const stringWidthFastPath = {
	name: 'string-width-fast-path',
	setup(build) {
		build.onLoad({filter: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/}, async ({path}) => {
			const {version} = JSON.parse(await readFile(join(dirname(path), 'package.json'), 'utf8'));
			if (!version.startsWith('8.')) return undefined;
			const source = await readFile(path, 'utf8');
			if (source.split(ASCII_FAST_PATH).length !== 2) {
				throw new Error(`string-width-fast-path: expected one ASCII fast path in ${path}; see scripts/string-width-fast-path.mjs`);
			}
			return {contents: source.replace(ASCII_FAST_PATH, STANDALONE_FAST_PATH), loader: 'js'};
		});
	},
};
