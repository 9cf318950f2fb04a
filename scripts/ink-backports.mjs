import {readFile} from 'node:fs/promises';

/**
 * Ink 7 fixed a frame that shrinks below the terminal's height after a frame that filled it: the
 * redraw wrote the frame without its last newline while the next erase counted one, so the line
 * above the live area (the last line of the finished steps) was erased. Ink 7 needs Node 22; this
 * applies the same one-line fix to the Ink 6 we bundle.
 *
 * Ink measures and tokenizes every line of every frame again (its output caches live as long as
 * one frame, and it takes the width of every text it draws without its own cache of text sizes): a
 * screen that waits redraws the same lines once a second, and that was most of its CPU (the fleet
 * table and its notices: about 50 ms a frame). Here one output cache serves every frame, started
 * afresh once it holds many lines, and the drawing takes a text's width from Ink's text sizes.
 * Ink also built a cell for every column of every row, and wrote every row's cells back to a string,
 * each frame: here a row is kept as the texts written into it (column, line), and a row whose texts
 * are those of a row drawn before takes that row's string from the cache, so a frame in which only
 * a clock moved builds the cells of the few rows that show it. A row whose texts stand side by side
 * (left to right, none over another, with colours and weights only) is those texts joined by spaces,
 * each closed by a reset so that a style left open stops there as it does in the cells: the same on
 * the terminal, without a cell per character. Building the cells was most of what V8 compiled in the
 * background for the screen (styledCharsToString, diffAnsiCodes: about 250 ms of a release's CPU).
 *
 * The build fails if a line to replace moved.
 */
const FIXES = [
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]ink\.js$/,
		from: 'this.options.stdout.write(ansiEscapes.clearTerminal + this.fullStaticOutput + output);',
		to: 'this.options.stdout.write(ansiEscapes.clearTerminal + this.fullStaticOutput + outputToRender);',
	},
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]output\.js$/,
		from: 'class OutputCaches {\n',
		to: 'class OutputCaches {\n    static shared;\n    static acrossFrames() {\n        const caches = OutputCaches.shared;\n        if (caches && caches.styledChars.size + caches.widths.size + caches.blockWidths.size + caches.rows.size < 5000) return caches;\n        return (OutputCaches.shared = new OutputCaches());\n    }\n',
	},
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]output\.js$/,
		from: '    getStringWidth(text) {\n',
		to: `    rows = new Map();
    getRow(width, texts) {
        const key = JSON.stringify([width, texts]);
        let cached = this.rows.get(key);
        if (cached === undefined) {
            cached = this.sideBySide(texts) ?? this.inCells(width, texts);
            this.rows.set(key, cached);
        }
        return cached;
    }
    sideBySide(texts) {
        let row = '';
        let column = 0;
        for (let index = 0; index < texts.length; index += 2) {
            const x = texts[index];
            const text = texts[index + 1];
            if (x < column || !/^(?:[^\\u001B\\u0080-\\u009F]|\\u001B\\[[\\d;]*m)*$/.test(text)) return undefined;
            row += ' '.repeat(x - column) + (text.includes('\\u001B') ? text + '\\u001B[0m' : text);
            column = x + this.getStringWidth(text);
        }
        return row.trimEnd();
    }
    inCells(width, texts) {
        const currentLine = [];
        for (let x = 0; x < width; x++) {
            currentLine.push({ type: 'char', value: ' ', fullWidth: false, styles: [] });
        }
        for (let index = 0; index < texts.length; index += 2) {
            let offsetX = texts[index];
            for (const character of this.getStyledChars(texts[index + 1])) {
                currentLine[offsetX] = character;
                const characterWidth = Math.max(1, this.getStringWidth(character.value));
                for (let cell = 1; cell < characterWidth; cell++) {
                    currentLine[offsetX + cell] = { type: 'char', value: '', fullWidth: false, styles: character.styles };
                }
                offsetX += characterWidth;
            }
        }
        return styledCharsToString(currentLine.filter(item => item !== undefined)).trimEnd();
    }
    getStringWidth(text) {
`,
	},
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]output\.js$/,
		from: `            const row = [];
            for (let x = 0; x < this.width; x++) {
                row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });
            }
            output.push(row);`,
		to: '            output.push([]);',
	},
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]output\.js$/,
		from: `                    const characters = this.caches.getStyledChars(line);
                    let offsetX = x;
                    for (const character of characters) {
                        currentLine[offsetX] = character;
                        // Determine printed width using string-width to align with measurement
                        const characterWidth = Math.max(1, this.caches.getStringWidth(character.value));
                        // For multi-column characters, clear following cells to avoid stray spaces/artifacts
                        if (characterWidth > 1) {
                            for (let index = 1; index < characterWidth; index++) {
                                currentLine[offsetX + index] = {
                                    type: 'char',
                                    value: '',
                                    fullWidth: false,
                                    styles: character.styles,
                                };
                            }
                        }
                        offsetX += characterWidth;
                    }
                    offsetY++;`,
		to: '                    currentLine.push(x, line);\n                    offsetY++;',
	},
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]output\.js$/,
		from: `            .map(line => {
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();
        })`,
		to: '            .map(texts => this.caches.getRow(this.width, texts))',
	},
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]output\.js$/,
		from: '    caches = new OutputCaches();',
		to: '    caches = OutputCaches.acrossFrames();',
	},
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]render-node-to-output\.js$/,
		from: 'const currentWidth = widestLine(text);',
		to: 'const currentWidth = measureText(text).width;',
	},
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]render-node-to-output\.js$/,
		from: "import wrapText from './wrap-text.js';",
		to: "import wrapText from './wrap-text.js';\nimport measureText from './measure-text.js';",
	},
];

export const inkBackports = {
	name: 'ink-backports',
	setup(build) {
		for (const file of new Set(FIXES.map(fix => fix.file.source))) {
			build.onLoad({filter: new RegExp(file)}, async ({path}) => {
				let source = await readFile(path, 'utf8');
				for (const fix of FIXES.filter(candidate => candidate.file.source === file)) {
					if (source.split(fix.from).length !== 2) throw new Error(`ink-backports: expected one \`${fix.from}\` in ${path}`);
					source = source.replace(fix.from, fix.to);
				}
				return {contents: source, loader: 'js'};
			});
		}
	},
};
