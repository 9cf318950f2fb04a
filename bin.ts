import {readFileSync} from 'node:fs';
import {quickAnswer, type QuickAnswers} from './source/commands/quick-answer';

// The bin, dist/cli.js: a small entry that answers --version and --help with what commander printed
// at build time (dist/quick-answers.json, written by scripts/build.mjs), before anything else is
// loaded. Every other command line is cli.tsx's. Built as CommonJS (scripts/build.mjs): no top-level await.

function builtAnswers(): QuickAnswers | undefined {
	try {
		return JSON.parse(readFileSync(new URL('quick-answers.json', import.meta.url), 'utf8')) as QuickAnswers;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
}

const answer = quickAnswer(process.argv.slice(2), builtAnswers);
if (answer === undefined) void import('./cli');
else process.stdout.write(answer);
