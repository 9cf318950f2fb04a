/** Versions and constraints as Packer spells them (hashicorp/go-version): `1.6.6`, `v1.3.9`, `>= 1.9, < 2`, `~> 1.2`. */

type Version = number[];

const VERSION = /^v?(\d+(?:\.\d+)*)(?:[-+].*)?$/;
const CONSTRAINT = /^(>=|<=|!=|~>|=|>|<)?\s*(v?\d+(?:\.\d+)*(?:[-+]\S*)?)$/;

function parse(text: string): Version | undefined {
	const match = VERSION.exec(text.trim());
	return match ? match[1]!.split('.').map(Number) : undefined;
}

function compare(left: Version, right: Version): number {
	for (let index = 0; index < Math.max(left.length, right.length); index++) {
		const difference = (left[index] ?? 0) - (right[index] ?? 0);
		if (difference !== 0) return Math.sign(difference);
	}
	return 0;
}

/** `~> 1.2` allows 1.2 up to (not including) 2.0; `~> 1.2.3` allows 1.2.3 up to 1.3. */
function pessimistic(version: Version, floor: Version): boolean {
	if (compare(version, floor) < 0) return false;
	const fixed = floor.slice(0, Math.max(1, floor.length - 1));
	return fixed.every((part, index) => version[index] === part);
}

/**
 * Whether `version` meets every comma-separated constraint; `undefined` when either cannot be
 * read (a constraint this tool does not understand is not held against the operator).
 */
export function satisfies(version: string, constraints: string): boolean | undefined {
	const actual = parse(version);
	if (!actual) return undefined;
	for (const part of constraints.split(',')) {
		const match = CONSTRAINT.exec(part.trim());
		const wanted = match && parse(match[2]!);
		if (!wanted) return undefined;
		const order = compare(actual, wanted);
		const operator = match[1] ?? '=';
		const met =
			operator === '~>'
				? pessimistic(actual, wanted)
				: {'=': order === 0, '!=': order !== 0, '>': order > 0, '<': order < 0, '>=': order >= 0, '<=': order <= 0}[operator];
		if (!met) return false;
	}
	return true;
}

export function atLeast(version: string, floor: string): boolean {
	return satisfies(version, `>= ${floor}`) === true;
}
