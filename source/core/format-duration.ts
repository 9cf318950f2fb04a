/** How long something took, for people: `840 ms`, `12.3 s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
	if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
	const seconds = ms / 1000;
	if (seconds < 60) return `${seconds.toFixed(1)} s`;
	const minutes = Math.floor(seconds / 60);
	const rest = Math.floor(seconds % 60);
	return minutes < 60
		? `${minutes}m${String(rest).padStart(2, '0')}s`
		: `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Time since an event, to the second: `5s`, `3m05s`, `1h02m`. */
export function formatAge(timestamp: string, now: number): string {
	const seconds = Math.max(0, Math.round((now - Date.parse(timestamp)) / 1000));
	return seconds < 60 ? `${seconds}s` : formatDuration(seconds * 1000);
}

/**
 * An event's time of day in UTC, as CloudFormation stamps it (`14:03:27`): a row that shows it never
 * changes. A timestamp that is not a date shows as it came, cut to the same width.
 */
export function timeOfDay(timestamp: string): string {
	const at = new Date(timestamp);
	return Number.isNaN(at.getTime()) ? timestamp.slice(0, 8) : at.toISOString().slice(11, 19);
}
