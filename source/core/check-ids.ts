/** Checks that were renamed, old id → id: the old one is still accepted wherever an id is given (`--confirm`, journals). */
const RENAMED_CHECKS: Readonly<Record<string, string>> = {librato: 'metrics', sumologic: 'logs'};

export function currentCheckId(id: string): string {
	return RENAMED_CHECKS[id] ?? id;
}

/** The old ids of a check. */
export function formerIdsOf(id: string): string[] {
	return Object.keys(RENAMED_CHECKS).filter(old => RENAMED_CHECKS[old] === id);
}
