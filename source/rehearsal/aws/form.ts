export type QueryParams = {[key: string]: QueryValue};
export type QueryValue = string | QueryValue[] | QueryParams;

/**
 * Turns a query-protocol form body into nested values: `Parameters.member.2.ParameterKey=Ami`
 * (awsQuery) and `Filter.1.Value.1=x` (ec2Query) both become arrays of objects.
 */
export function parseQueryParams(body: string): {action: string; version: string; params: QueryParams} {
	const root: QueryParams = {};
	const form = new URLSearchParams(body);
	for (const [key, value] of form) {
		if (key === 'Action' || key === 'Version') {
			continue;
		}

		const path = key.split('.').filter((segment, index, all) => !(segment === 'member' && /^\d+$/.test(all[index + 1] ?? '')));
		let node: QueryParams = root;
		for (const [index, segment] of path.entries()) {
			if (index === path.length - 1) {
				node[segment] = value;
			} else {
				const next = node[segment];
				node[segment] = typeof next === 'object' && !Array.isArray(next) ? next : {};
				node = node[segment] as QueryParams;
			}
		}
	}

	return {action: form.get('Action') ?? '', version: form.get('Version') ?? '', params: arraysFromIndexes(root) as QueryParams};
}

function arraysFromIndexes(value: QueryValue): QueryValue {
	if (typeof value !== 'object' || Array.isArray(value)) {
		return value;
	}

	const keys = Object.keys(value);
	const converted = Object.fromEntries(keys.map(key => [key, arraysFromIndexes(value[key]!)]));
	if (keys.length > 0 && keys.every(key => /^\d+$/.test(key))) {
		return keys.sort((a, b) => Number(a) - Number(b)).map(key => converted[key]!);
	}

	return converted;
}

/** A list parameter; an empty list arrives as `Name=` in awsQuery. */
export function listParam(value: QueryValue | undefined): QueryValue[] {
	return Array.isArray(value) ? value : [];
}

export function stringParam(value: QueryValue | undefined): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

export function objectParam(value: QueryValue | undefined): QueryParams {
	return typeof value === 'object' && !Array.isArray(value) ? value : {};
}
