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
		to: 'class OutputCaches {\n    static shared;\n    static acrossFrames() {\n        const caches = OutputCaches.shared;\n        if (caches && caches.styledChars.size + caches.widths.size + caches.blockWidths.size < 5000) return caches;\n        return (OutputCaches.shared = new OutputCaches());\n    }\n',
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
