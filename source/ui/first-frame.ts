import {styleText} from 'node:util';
import {badgeColor} from './format';

/** What the first frame leaves for the next one to clear. */
export interface FirstFrame {
	/** Puts the cursor back where the frame began and clears from there: the Ink screen draws in its place. */
	clear(): void;
}

/**
 * The Ink screen's header (name and badges, under the blank line Ink leaves above it), drawn with
 * plain escape codes while Ink, React and yoga load: the operator sees the screen start at once.
 */
export function drawFirstFrame(stream: NodeJS.WriteStream, badges: string[]): FirstFrame {
	// Ink's header leaves a slot for the run's title, empty until a run is attached.
	const words = ['convox-ami', '', ...badges.map(badge => ` ${badge} `)];
	const styled = [
		styleText('bold', words[0]!),
		'',
		...badges.map(badge => styleText(['inverse', 'bold', badgeColor(badge)], ` ${badge} `)),
	];
	stream.write(`\n${styled.join(' ')}\n`);
	// The blank line, and the header's lines on a terminal too narrow for it.
	const lines = 1 + Math.ceil(words.join(' ').length / (stream.columns || 80));
	return {clear: () => stream.write(`\u001B[${lines}A\r\u001B[J`)};
}
