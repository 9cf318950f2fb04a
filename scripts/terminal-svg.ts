import type {IBufferCell, Terminal} from '@xterm/headless';

export interface TerminalSvgOptions {
	/** Shown in the window's title bar and as the SVG's <title>. */
	title: string;
	/** Buffer lines to draw (scrollback included), end exclusive; default the lines from the first to the last that shows anything. */
	start?: number;
	end?: number;
}

const FONT_SIZE = 14;
const CELL_WIDTH = 8.4;
const LINE_HEIGHT = 18;
const BASELINE = 14;
const PADDING_X = 16;
const PADDING_Y = 12;
const TITLE_BAR = 32;
const FONT_FAMILY = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
const BACKGROUND = '#1e1e1e';
const FOREGROUND = '#e5e5e5';

// xterm.js's default ANSI colours, with bright black taken from X11 xterm (#7f7f7f) so that
// Ink's gray stays readable on a dark background.
const ANSI = [
	'#2e3436',
	'#cc0000',
	'#4e9a06',
	'#c4a000',
	'#3465a4',
	'#75507b',
	'#06989a',
	'#d3d7cf',
	'#7f7f7f',
	'#ef2929',
	'#8ae234',
	'#fce94f',
	'#729fcf',
	'#ad7fa8',
	'#34e2e2',
	'#eeeeec',
];

const hex = (value: number) => `#${value.toString(16).padStart(6, '0')}`;

/** The 256-colour palette: 16 ANSI colours, the 6×6×6 cube, then 24 grays. */
export const PALETTE: readonly string[] = (() => {
	const levels = [0, 95, 135, 175, 215, 255];
	const cube = Array.from({length: 216}, (_, index) =>
		hex((levels[Math.floor(index / 36)]! << 16) | (levels[Math.floor(index / 6) % 6]! << 8) | levels[index % 6]!),
	);
	const grays = Array.from({length: 24}, (_, index) => {
		const level = 8 + index * 10;
		return hex((level << 16) | (level << 8) | level);
	});
	return [...ANSI, ...cube, ...grays];
})();

interface CellStyle {
	fg: string;
	bg: string;
	bold: boolean;
	italic: boolean;
	dim: boolean;
	underline: boolean;
	strikethrough: boolean;
	invisible: boolean;
}

interface Run {
	column: number;
	cells: number;
	text: string;
	style: CellStyle;
	key: string;
}

function colour(isRgb: boolean, isPalette: boolean, value: number, fallback: string): string {
	if (isRgb) return hex(value);
	if (isPalette) return PALETTE[value] ?? fallback;
	return fallback;
}

function styleOf(cell: IBufferCell): CellStyle {
	const bold = cell.isBold() !== 0;
	// Like xterm.js (drawBoldTextInBrightColors), bold text in one of the 8 base colours is drawn in its bright variant.
	const fgIndex = cell.isFgPalette() && bold && cell.getFgColor() < 8 ? cell.getFgColor() + 8 : cell.getFgColor();
	let fg = colour(cell.isFgRGB(), cell.isFgPalette(), fgIndex, FOREGROUND);
	let bg = colour(cell.isBgRGB(), cell.isBgPalette(), cell.getBgColor(), BACKGROUND);
	if (cell.isInverse()) [fg, bg] = [bg, fg];
	return {
		fg,
		bg,
		bold,
		italic: cell.isItalic() !== 0,
		dim: cell.isDim() !== 0,
		underline: cell.isUnderline() !== 0,
		strikethrough: cell.isStrikethrough() !== 0,
		invisible: cell.isInvisible() !== 0,
	};
}

const styleKey = (style: CellStyle) =>
	[style.fg, style.bg, style.bold, style.italic, style.dim, style.underline, style.strikethrough, style.invisible].map(String).join('|');

/** Runs of same-styled cells of one line; a wide character (CJK, emoji) is a run of its own so that it cannot shift its neighbours. */
function runsOf(terminal: Terminal, y: number): Run[] {
	const line = terminal.buffer.active.getLine(y);
	if (!line) return [];
	const runs: Run[] = [];
	let cell: IBufferCell | undefined;
	let previousWide = false;
	for (let x = 0; x < terminal.cols; x++) {
		cell = line.getCell(x, cell);
		if (!cell) break;
		const width = cell.getWidth();
		if (width === 0) continue;
		const style = styleOf(cell);
		const key = styleKey(style);
		const text = cell.getChars() || ' ';
		const last = runs.at(-1);
		if (last && last.key === key && width === 1 && !previousWide) {
			last.text += text;
			last.cells += 1;
		} else {
			runs.push({column: x, cells: width, text, style, key});
		}
		previousWide = width > 1;
	}
	return runs;
}

/** Whether a buffer line shows anything: a visible character or a coloured background. */
function lineShows(terminal: Terminal, y: number): boolean {
	return runsOf(terminal, y).some(run => run.style.bg !== BACKGROUND || (!run.style.invisible && run.text.trim() !== ''));
}

/** The buffer lines from the first to the last that shows anything, end exclusive. */
export function contentRange(terminal: Terminal): {start: number; end: number} {
	const length = terminal.buffer.active.length;
	let start = 0;
	while (start < length && !lineShows(terminal, start)) start++;
	let end = length;
	while (end > start && !lineShows(terminal, end - 1)) end--;
	return {start, end};
}

const INVALID_XML =
	// eslint-disable-next-line no-control-regex -- the control characters XML 1.0 forbids are what this matches
	/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
	return text.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const number = (value: number) => String(Math.round(value * 100) / 100);

function tspan(run: Run): string | undefined {
	const {style} = run;
	const decorated = style.underline || style.strikethrough;
	const leading = decorated ? 0 : run.text.length - run.text.trimStart().length;
	const text = decorated ? run.text : run.text.trim();
	if (style.invisible || text === '') return undefined;
	// Leading blanks are narrow cells, so their count is also their width in cells.
	const cells = decorated ? run.cells : run.cells - leading - (run.text.length - run.text.trimEnd().length);
	const attributes = [`x="${number((run.column + leading) * CELL_WIDTH)}"`, `textLength="${number(cells * CELL_WIDTH)}"`];
	if (style.fg !== FOREGROUND) attributes.push(`fill="${style.fg}"`);
	if (style.bold) attributes.push('font-weight="bold"');
	if (style.italic) attributes.push('font-style="italic"');
	if (style.dim) attributes.push('opacity="0.6"');
	if (decorated)
		attributes.push(
			`text-decoration="${[style.underline ? 'underline' : '', style.strikethrough ? 'line-through' : ''].filter(Boolean).join(' ')}"`,
		);
	return `<tspan ${attributes.join(' ')}>${escapeXml(text)}</tspan>`;
}

function backgrounds(runs: Run[], row: number): string[] {
	const rects: Array<{column: number; cells: number; bg: string}> = [];
	for (const run of runs) {
		if (run.style.bg === BACKGROUND) continue;
		const last = rects.at(-1);
		if (last && last.bg === run.style.bg && last.column + last.cells === run.column) last.cells += run.cells;
		else rects.push({column: run.column, cells: run.cells, bg: run.style.bg});
	}
	return rects.map(
		rect =>
			`<rect x="${number(rect.column * CELL_WIDTH)}" y="${number(row * LINE_HEIGHT)}" width="${number(rect.cells * CELL_WIDTH)}" height="${LINE_HEIGHT}" fill="${rect.bg}"/>`,
	);
}

/** Draws what a headless xterm holds — colours, bold, dim, italic, underline, inverse — as a self-contained SVG of a terminal window. */
export function terminalToSvg(terminal: Terminal, options: TerminalSvgOptions): string {
	const range = contentRange(terminal);
	const start = options.start ?? range.start;
	const end = Math.max(start, options.end ?? range.end);
	const width = PADDING_X * 2 + terminal.cols * CELL_WIDTH;
	const height = TITLE_BAR + PADDING_Y * 2 + Math.max(1, end - start) * LINE_HEIGHT;
	const rects: string[] = [];
	const lines: string[] = [];
	for (let y = start; y < end; y++) {
		const row = y - start;
		const runs = runsOf(terminal, y);
		rects.push(...backgrounds(runs, row));
		const spans = runs.map(tspan).filter((span): span is string => span !== undefined);
		if (spans.length > 0) lines.push(`<text y="${number(row * LINE_HEIGHT + BASELINE)}">${spans.join('')}</text>`);
	}
	const title = escapeXml(options.title);
	const bar = `M0,8a8,8 0 0 1 8,-8h${number(width - 16)}a8,8 0 0 1 8,8v${TITLE_BAR - 8}h${number(-width)}z`;
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${number(width)}" height="${number(height)}" viewBox="0 0 ${number(width)} ${number(height)}" font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}">`,
		`<title>${title}</title>`,
		`<rect width="100%" height="100%" rx="8" fill="${BACKGROUND}"/>`,
		`<path d="${bar}" fill="#323232"/>`,
		'<circle cx="20" cy="16" r="6" fill="#ff5f56"/><circle cx="40" cy="16" r="6" fill="#ffbd2e"/><circle cx="60" cy="16" r="6" fill="#27c93f"/>',
		`<text x="${number(width / 2)}" y="21" text-anchor="middle" font-size="13" fill="#a8a8a8">${title}</text>`,
		`<g transform="translate(${PADDING_X},${TITLE_BAR + PADDING_Y})">`,
		...rects,
		`<g fill="${FOREGROUND}" xml:space="preserve" style="white-space:pre">`,
		...lines,
		'</g>',
		'</g>',
		'</svg>',
		'',
	].join('\n');
}
