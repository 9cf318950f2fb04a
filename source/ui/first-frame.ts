import {styleText} from 'node:util';
import type {FirstQuestion} from '../core/prompter';
import {badgeColor} from './format';

/** What the first frame leaves for the next one to clear. */
export interface FirstFrame {
	/** Gives the keyboard back, puts the cursor where the frame began and clears from there: the Ink screen draws in its place. */
	clear(): void;
}

/**
 * While the first frame is up, keys are not echoed (an echoed Enter would move the cursor under the
 * frame, and its clearing would miss its top) and none is kept: Ctrl-C interrupts as SIGINT would,
 * any other key answers nothing (a question takes keys only once Ink asks it).
 */
function holdKeys(stdin: NodeJS.ReadStream, onInterrupt: () => void): () => void {
	if (!stdin.isTTY) return () => undefined;
	// Read as Ink reads (on 'readable'), so that its own listener takes over the stream as it is.
	const onReadable = () => {
		for (let chunk = stdin.read() as Buffer | null; chunk !== null; chunk = stdin.read() as Buffer | null)
			if (chunk.includes(3)) onInterrupt();
	};
	stdin.setRawMode(true);
	stdin.on('readable', onReadable);
	return () => {
		stdin.off('readable', onReadable);
		stdin.setRawMode(false);
	};
}

/**
 * The prompt box's lines as Ink draws them (round cyan border the terminal's width, the first
 * choice highlighted), without the key hint: the question takes keys only once Ink asks it.
 * Undefined when a line would wrap.
 */
function questionBox({message, choices}: FirstQuestion, columns: number): string[] | undefined {
	const inner = columns - 4;
	const rows = [
		{text: message, styled: styleText('bold', message)},
		...choices.map((choice, index) => {
			const hint = choice.hint ? `  ${choice.hint}` : '';
			const label = index === 0 ? styleText('blue', `❯ ${choice.label}`) : `  ${choice.label}`;
			return {text: `  ${choice.label}${hint}`, styled: `${label}${hint ? styleText('gray', hint) : ''}`};
		}),
	];
	if (rows.some(row => row.text.length > inner)) return undefined;
	const border = (text: string) => styleText('cyan', text);
	return [
		border(`╭${'─'.repeat(columns - 2)}╮`),
		...rows.map(row => `${border('│')} ${row.styled}${' '.repeat(inner - row.text.length)} ${border('│')}`),
		border(`╰${'─'.repeat(columns - 2)}╯`),
	];
}

/**
 * The Ink screen's header (name and badges, under the blank line Ink leaves above it), and the
 * question the run asks first when it is known, drawn with plain escape codes while Ink, React and
 * yoga load: the operator sees the screen start at once.
 */
export function drawFirstFrame(
	{stdout: stream, stdin, onInterrupt}: {stdout: NodeJS.WriteStream; stdin: NodeJS.ReadStream; onInterrupt: () => void},
	badges: string[],
	question?: FirstQuestion,
): FirstFrame {
	const release = holdKeys(stdin, onInterrupt);
	const columns = stream.columns || 80;
	// Ink's header leaves a slot for the run's title, empty until a run is attached.
	const words = ['convox-ami', '', ...badges.map(badge => ` ${badge} `)];
	const styled = [
		styleText('bold', words[0]!),
		'',
		...badges.map(badge => styleText(['inverse', 'bold', badgeColor(badge)], ` ${badge} `)),
	];
	const box = question ? (questionBox(question, columns) ?? []) : [];
	stream.write(`\n${[styled.join(' '), ...box].join('\n')}\n`);
	// The blank line, the header's lines (more on a terminal too narrow for it) and the question's.
	const lines = 1 + Math.ceil(words.join(' ').length / columns) + box.length;
	return {
		clear: () => {
			release();
			stream.write(`\u001B[${lines}A\r\u001B[J`);
		},
	};
}
