import {pathToFileURL} from 'node:url';
import xterm from '@xterm/headless';
import {describe, expect, it} from 'vitest';
import {inkBackports} from '../../scripts/ink-backports.mjs';
import {bundledDefault, nodeModule} from '../support/bundled-module';

interface InkOutput {
	write(x: number, y: number, text: string, options: {transformers: Array<(line: string, index: number) => string>}): void;
	clip(clip: {x1?: number; x2?: number; y1?: number; y2?: number}): void;
	unclip(): void;
	get(): {output: string; height: number};
}
type OutputClass = new (options: {width: number; height: number}) => InkOutput;

const inkOutput = nodeModule('ink/build/output.js');

/** Ink's Output as the build bundles it, with the backports applied. */
const backportedOutput = () => bundledDefault<OutputClass>(inkOutput, [inkBackports]);

const red = (text: string) => `\x1b[31m${text}\x1b[39m`;
const bold = (text: string) => `\x1b[1m${text}\x1b[22m`;
const link = (text: string, url: string) => `\x1b]8;;${url}\x07${text}\x1b]8;;\x07`;

/**
 * A waiting screen's frames: the same rows again, a clock that moves, texts side by side, overlapping
 * texts, wide characters, clips, a style left open, a link.
 */
function frame(output: InkOutput, second: number): void {
	const none = {transformers: []};
	output.write(0, 0, `${bold('convox-ami')} release · dev`, none);
	output.write(30, 0, red('REHEARSAL'), none);
	output.write(0, 2, `${red('⠋')} Build AMI`, none);
	output.write(18, 2, `${second} s`, none);
	output.write(2, 3, 'line one\nline two 日本語 wide\n' + red('third, coloured'), {
		transformers: [(line, index) => (index === 1 ? bold(line) : line)],
	});
	output.write(4, 3, 'XY', none);
	output.clip({x1: 2, x2: 12, y1: 6, y2: 8});
	output.write(0, 6, `clipped ${second} away on the right\nsecond\nthird row is outside`, none);
	output.unclip();
	output.write(95, 9, 'past the edge', none);
	output.write(-3, 10, 'starts left of the screen', none);
	output.write(0, 11, `\x1b[1mbold left open ${second}`, none);
	output.write(40, 11, 'plain after it', none);
	output.write(0, 12, `see ${link('the log', 'file:///tmp/packer.log')} ${second}`, none);
	output.write(30, 12, `${red('red')}   `, none);
}

const COLUMNS = 120;
const ROWS = 14;

interface Cell {
	chars: string;
	foreground: string;
	background: number;
	bold: boolean;
	dim: boolean;
	underline: boolean;
}

/** What a terminal shows of `text`: each cell's character and style, rows from the top. */
async function shown(text: string): Promise<Cell[][]> {
	const terminal = new xterm.Terminal({cols: COLUMNS, rows: ROWS, allowProposedApi: true, convertEol: true});
	await new Promise<void>(resolve => terminal.write(text, resolve));
	const rows: Cell[][] = [];
	const cell = terminal.buffer.active.getNullCell();
	for (let y = 0; y < ROWS; y++) {
		const line = terminal.buffer.active.getLine(y);
		const cells: Cell[] = [];
		for (let x = 0; x < COLUMNS; x++) {
			line?.getCell(x, cell);
			cells.push({
				chars: cell.getChars(),
				foreground: `${cell.getFgColorMode()}:${cell.getFgColor()}`,
				background: cell.getBgColor(),
				bold: cell.isBold() > 0,
				dim: cell.isDim() > 0,
				underline: cell.isUnderline() > 0,
			});
		}
		rows.push(cells);
	}
	terminal.dispose();
	return rows;
}

describe('ink-backports: Ink output with its row cache', () => {
	it('draws every frame as Ink does, cell for cell on a terminal, rows that repeat from the cache and rows that changed', async () => {
		const Backported = await backportedOutput();
		const {default: Original} = (await import(pathToFileURL(inkOutput).href)) as {default: OutputClass};
		for (const second of [1, 2, 2, 3, 1]) {
			const drawn = [Original, Backported].map(Output => {
				const output = new Output({width: 100, height: 13});
				frame(output, second);
				return output.get();
			});
			expect(drawn[1]!.height).toBe(drawn[0]!.height);
			expect(await shown(drawn[1]!.output)).toEqual(await shown(drawn[0]!.output));
			expect(drawn[1]!.output).toContain(`${second} s`);
		}
	});

	it('leaves no style of a text open into the texts beside it', async () => {
		const Output = await backportedOutput();
		const output = new Output({width: 100, height: 1});
		output.write(0, 0, '\x1b[1mbold left open', {transformers: []});
		output.write(40, 0, 'plain after it', {transformers: []});
		const [row] = await shown(output.get().output);
		expect(row![0]).toMatchObject({chars: 'b', bold: true});
		expect(row![40]).toMatchObject({chars: 'p', bold: false});
	});
});
