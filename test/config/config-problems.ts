import {expect} from 'vitest';
import {parseConfig} from '../../source/config/load-config';
import {UsageError} from '../../source/core/errors';

/** The message a refused config gets (a usage error, exit 2); fails the case when the config is accepted. */
export function problemsOf(raw: unknown): string {
	try {
		parseConfig(raw, 'test.json');
	} catch (error) {
		expect(error).toBeInstanceOf(UsageError);
		expect((error as UsageError).exitCode).toBe(2);
		return (error as Error).message;
	}
	throw new Error('expected the config to be refused');
}
