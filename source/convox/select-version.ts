import type {VersionEntry} from '../core/releases';

const VERSION_ID = /^(\d{10}|\d{14})(-.+)?$/;

/** The version's timestamp as 14 comparable digits (10-digit ids of 2015 are YYYYMMDDNN), and its branch suffix. */
export function parseVersionId(version: string): {stamp: string; suffix?: string} | undefined {
	const match = VERSION_ID.exec(version);
	if (!match) return undefined;
	const digits = match[1]!;
	return {stamp: digits.length === 10 ? `${digits}0000` : digits, ...(match[2] ? {suffix: match[2].slice(1)} : {})};
}

function stampOf(entry: VersionEntry): string {
	return parseVersionId(entry.version)?.stamp ?? '';
}

export type Selection =
	| {kind: 'newest'; entry: VersionEntry; convoxRule?: VersionEntry; skippedBranches: string[]}
	/** Convox's rule: the first published `required` version after the stack's, with the newest that waits behind it. */
	| {kind: 'required'; entry: VersionEntry; newest: VersionEntry; skippedBranches: string[]}
	/** `pastRequired`: published required versions between the stack's version and the pin, which the pin jumps over. */
	| {kind: 'pinned'; entry: VersionEntry; pastRequired: VersionEntry[]}
	| {kind: 'pinned-unpublished'; entry: VersionEntry}
	| {kind: 'pinned-unknown'; version: string}
	| {kind: 'none-published'; total: number};

/**
 * `convox rack update`'s rule: the first published version marked `required` that is newer than
 * the stack's current one, else the newest published by timestamp (branch builds, with a suffix,
 * excluded); or the pinned one. `convoxRule` is what Convox's own CLI would take as the newest
 * (the last published in array order) when it differs.
 */
export function selectVersion(entries: VersionEntry[], pin?: string, current?: string): Selection {
	if (pin) {
		const entry = entries.find(candidate => candidate.version === pin);
		if (!entry) return {kind: 'pinned-unknown', version: pin};
		return entry.published
			? {kind: 'pinned', entry, pastRequired: requiredBetween(entries, current, pin)}
			: {kind: 'pinned-unpublished', entry};
	}
	const published = entries.filter(entry => entry.published);
	const candidates = published.filter(entry => {
		const id = parseVersionId(entry.version);
		return id !== undefined && id.suffix === undefined;
	});
	if (candidates.length === 0) return {kind: 'none-published', total: entries.length};
	const newest = candidates.reduce((best, entry) => (stampOf(entry) > stampOf(best) ? entry : best));
	const skippedBranches = published.filter(entry => !candidates.includes(entry)).map(entry => entry.version);
	const [required] = requiredBetween(entries, current, newest.version);
	if (required) return {kind: 'required', entry: required, newest, skippedBranches};
	const lastInArray = published.at(-1)!;
	return {
		kind: 'newest',
		entry: newest,
		...(lastInArray.version !== newest.version ? {convoxRule: lastInArray} : {}),
		skippedBranches,
	};
}

/** Published `required` versions strictly between the stack's current version and the target, oldest first. */
export function requiredBetween(entries: VersionEntry[], current: string | undefined, target: string): VersionEntry[] {
	const from = current ? parseVersionId(current)?.stamp : undefined;
	const to = parseVersionId(target)?.stamp;
	if (!from || !to) return [];
	return entries
		.filter(entry => {
			const stamp = stampOf(entry);
			return entry.required && entry.published && stamp > from && stamp < to;
		})
		.sort((a, b) => stampOf(a).localeCompare(stampOf(b)));
}
