import {escapedForms} from './machine-readable';

export const MASK = '***';

export type Scrubber = (text: string) => string;

/**
 * Replaces every secret value, raw or in the escaped form Packer prints it in, by `***`.
 * Packer 1.6.6 prints `sensitive-variables` in clear in machine-readable mode, so every line goes
 * through this before it is shown, logged or journaled.
 */
export function createScrubber(secrets: Iterable<string>): Scrubber {
	const patterns = [...new Set([...secrets].filter(secret => secret.length > 0).flatMap(secret => escapedForms(secret)))];
	// Longest first, so that a secret containing another one is masked whole.
	patterns.sort((a, b) => b.length - a.length);
	if (patterns.length === 0) return text => text;
	return text => {
		let scrubbed = text;
		for (const pattern of patterns) if (scrubbed.includes(pattern)) scrubbed = scrubbed.replaceAll(pattern, MASK);
		return scrubbed;
	};
}
