import {listParam, objectParam, stringParam, type QueryParams} from './form';
import {AwsError} from './model';
import type {StandInState} from './state';
import type {XmlValue} from './xml';

/** The caller's account (from its access key) and the region its request was signed for. */
export interface Caller {
	accountId: string;
	region: string;
}

export type Ec2Handler = (state: StandInState, params: QueryParams, caller: Caller) => XmlValue;

interface Filter {
	name: string;
	values: string[];
}

export function filtersOf(params: QueryParams): Filter[] {
	return listParam(params.Filter)
		.map(objectParam)
		.map(filter => ({
			name: stringParam(filter.Name) ?? '',
			values: listParam(filter.Value).map(String),
		}));
}

function wildcard(pattern: string): RegExp {
	const escaped = pattern
		.replace(/[.+^${}()|[\]\\]/g, '\\$&')
		.replace(/\*/g, '.*')
		.replace(/\?/g, '.');
	return new RegExp(`^${escaped}$`);
}

/** EC2 filter semantics: every filter must match; within one, any value (with * and ? wildcards). */
export function matches(filters: Filter[], fields: Record<string, string | undefined>, tags: Record<string, string>): boolean {
	return filters.every(filter => {
		let candidates: string[];
		if (filter.name.startsWith('tag:')) {
			const value = tags[filter.name.slice(4)];
			candidates = value === undefined ? [] : [value];
		} else if (filter.name === 'tag-key') {
			candidates = Object.keys(tags);
		} else if (filter.name in fields) {
			const value = fields[filter.name];
			candidates = value === undefined ? [] : [value];
		} else {
			throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
		}

		return filter.values.some(value => candidates.some(candidate => wildcard(value).test(candidate)));
	});
}

/** Tags of a request's TagSpecifications for one resource type. */
export function specifiedTags(params: QueryParams, resourceType = 'image'): Record<string, string> {
	const tags: Record<string, string> = {};
	const specifications = listParam(params.TagSpecification)
		.map(objectParam)
		.filter(specification => stringParam(specification.ResourceType) === resourceType);
	for (const specification of specifications) {
		for (const tag of listParam(specification.Tag)) {
			const {Key, Value} = objectParam(tag);
			if (typeof Key === 'string') tags[Key] = stringParam(Value) ?? '';
		}
	}
	return tags;
}

export const tagSet = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({key, value}));
