import {describe, expect, it} from 'vitest';
import {quickAnswer, type QuickAnswers} from '../../source/commands/quick-answer';

const answers: QuickAnswers = {version: '1.2.3\n', help: {'': 'Usage: convox-ami\n', release: 'Usage: convox-ami release\n'}};

describe('quickAnswer (--version and --help before commander loads)', () => {
	it.each([
		[['--version'], '1.2.3\n'],
		[['-v'], '1.2.3\n'],
		[['--help'], 'Usage: convox-ami\n'],
		[['-h'], 'Usage: convox-ami\n'],
		[['help'], 'Usage: convox-ami\n'],
		[['release', '--help'], 'Usage: convox-ami release\n'],
		[['release', '-h'], 'Usage: convox-ami release\n'],
		[['help', 'release'], 'Usage: convox-ami release\n'],
	])('answers %j with what commander printed', (words, expected) => {
		expect(quickAnswer(words, () => answers)).toBe(expected);
	});

	it.each([
		[[]],
		[['release']],
		[['--rehearse']],
		[['--json', '--help']],
		[['--rehearse', 'release', '--help']],
		[['release', '--version']],
		[['help', 'unknown']],
		[['unknown', '--help']],
		[['toString', '--help']],
		[['', '--help']],
	])('leaves %j to commander', words => {
		expect(quickAnswer(words, () => answers)).toBeUndefined();
	});

	it('reads the answers only for --version or a request for help, and leaves all to commander without them', () => {
		let reads = 0;
		const counted = () => {
			reads++;
			return undefined;
		};
		expect(quickAnswer(['release', '--rehearse'], counted)).toBeUndefined();
		expect(reads).toBe(0);
		expect(quickAnswer(['--help'], counted)).toBeUndefined();
		expect(quickAnswer(['--version'], counted)).toBeUndefined();
		expect(reads).toBe(2);
	});
});
