import {readFile} from 'node:fs/promises';

/**
 * Ink 7 fixed a frame that shrinks below the terminal's height after a frame that filled it: the
 * redraw wrote the frame without its last newline while the next erase counted one, so the line
 * above the live area (the last line of the finished steps) was erased. Ink 7 needs Node 22; this
 * applies the same one-line fix to the Ink 6 we bundle, and fails the build if the line moved.
 */
const FIXES = [
	{
		file: /[\\/]node_modules[\\/]ink[\\/]build[\\/]ink\.js$/,
		from: 'this.options.stdout.write(ansiEscapes.clearTerminal + this.fullStaticOutput + output);',
		to: 'this.options.stdout.write(ansiEscapes.clearTerminal + this.fullStaticOutput + outputToRender);',
	},
];

export const inkBackports = {
	name: 'ink-backports',
	setup(build) {
		for (const fix of FIXES) {
			build.onLoad({filter: fix.file}, async ({path}) => {
				const source = await readFile(path, 'utf8');
				if (source.split(fix.from).length !== 2) throw new Error(`ink-backports: expected one \`${fix.from}\` in ${path}`);
				return {contents: source.replace(fix.from, fix.to), loader: 'js'};
			});
		}
	},
};
