import type {Readable} from 'node:stream';
/** One line of `packer -machine-readable` output: `timestamp,target,type,data...`. */
export interface PackerRecord {
	timestamp: number;
	/** The build name (`amazon-ebs`), or empty for `ui` and run-wide lines. */
	target: string;
	type: string;
	/** The data fields, already unescaped. */
	data: string[];
}

const COMMA = '%!(PACKER_COMMA)';
/** A line longer than this without a newline is passed on in pieces rather than held in memory. */
const MAX_LINE = 1 << 20;

/** Undoes Packer's escaping inside one data field: `%!(PACKER_COMMA)`, literal `\n` and `\r`. */
function unescapeField(field: string): string {
	let text = field;
	if (text.includes(COMMA)) text = text.replaceAll(COMMA, ',');
	if (text.includes('\\')) text = text.replaceAll('\\n', '\n').replaceAll('\\r', '\r');
	return text;
}

/** The escaped forms Packer would print for a value (comma and newline escaping). */
export function escapedForms(value: string): string[] {
	const escaped = value.replaceAll(',', COMMA).replaceAll('\n', '\\n').replaceAll('\r', '\\r');
	return escaped === value ? [value] : [escaped, value];
}

/** Parses one line; `undefined` for a line that is not machine-readable (plain stderr text). */
export function parseRecord(line: string): PackerRecord | undefined {
	const first = line.indexOf(',');
	if (first <= 0) return undefined;
	const second = line.indexOf(',', first + 1);
	if (second < 0) return undefined;
	const timestamp = Number(line.slice(0, first));
	if (!Number.isInteger(timestamp)) return undefined;
	const third = line.indexOf(',', second + 1);
	const target = line.slice(first + 1, second);
	if (third < 0) return {timestamp, target, type: line.slice(second + 1), data: []};
	const type = line.slice(second + 1, third);
	const rest = line.slice(third + 1);
	// A ui line has two fields (level, message); artifact lines can have more, each escaped.
	const data = rest.split(',');
	for (let index = 0; index < data.length; index++) data[index] = unescapeField(data[index]!);
	return {timestamp, target, type, data};
}

/** Splits a byte stream decoded as text into whole lines, keeping a partial last line for the next chunk. */
export class LineSplitter {
	private partial = '';

	push(chunk: string, onLine: (line: string) => void): void {
		let start = 0;
		let text = chunk;
		if (this.partial) {
			text = this.partial + chunk;
			this.partial = '';
		}
		let end = text.indexOf('\n', start);
		while (end >= 0) {
			const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
			if (line) onLine(line);
			start = end + 1;
			end = text.indexOf('\n', start);
		}
		if (start < text.length) this.partial = text.slice(start);
		if (this.partial.length > MAX_LINE) this.flush(onLine);
	}

	flush(onLine: (line: string) => void): void {
		if (this.partial) onLine(this.partial);
		this.partial = '';
	}
}

/** Feeds streams, line by line, to `onLine`, until they all end. */
export function readLines(streams: Readable[], onLine: (line: string) => void): Promise<void> {
	return Promise.all(
		streams.map(
			stream =>
				new Promise<void>(resolve => {
					const splitter = new LineSplitter();
					stream.setEncoding('utf8');
					stream.on('data', (chunk: string) => splitter.push(chunk, onLine));
					stream.on('end', () => {
						splitter.flush(onLine);
						resolve();
					});
					stream.on('error', () => resolve());
				}),
		),
	).then(() => undefined);
}
