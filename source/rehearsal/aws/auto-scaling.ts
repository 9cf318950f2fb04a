import {listParam, stringParam, type QueryParams} from './form';
import {AwsError} from './model';
import type {StandInState} from './state';
import type {XmlValue} from './xml';

interface AutoScalingCaller {
	accountId: string;
	arn: string;
	region: string;
}

export interface AutoScalingSettings {
	/** Launch configurations per page when the caller gives no MaxRecords; default 50 (as Auto Scaling). */
	launchConfigurationsPageSize: number;
}

type AutoScalingHandler = (state: StandInState, params: QueryParams, caller: AutoScalingCaller, settings: AutoScalingSettings) => XmlValue;

/** Refuses the call as Auto Scaling does when the caller's policies lack `autoscaling:<action>` (seeded in `autoScalingDenied`). */
function authorize(state: StandInState, caller: AutoScalingCaller, action: string): void {
	if (!state.data.autoScalingDenied?.includes(action)) return;
	const permission = `autoscaling:${action}`;
	throw new AwsError(
		'AccessDenied',
		`User: ${caller.arn} is not authorized to perform: ${permission} because no identity-based policy allows the ${permission} action`,
		403,
	);
}

/** Auto Scaling (awsQuery, version 2011-01-01): what `images` and `prune` read of it. */
export const autoScalingHandlers: Record<string, AutoScalingHandler> = {
	DescribeLaunchConfigurations(state, params, caller, settings) {
		authorize(state, caller, 'DescribeLaunchConfigurations');
		const names = listParam(params.LaunchConfigurationNames).map(String);
		const all = state
			.launchConfigurationsOf(caller.accountId, caller.region)
			.filter(configuration => names.length === 0 || names.includes(configuration.name));
		const pageSize = Number(stringParam(params.MaxRecords) ?? settings.launchConfigurationsPageSize);
		const start = Number(stringParam(params.NextToken) ?? 0);
		if (!Number.isInteger(start) || start < 0 || start > all.length) throw new AwsError('InvalidNextToken', 'The token is not valid');
		const page = all.slice(start, start + pageSize);
		const next = start + page.length;
		return {
			LaunchConfigurations: page.map(configuration => ({
				LaunchConfigurationName: configuration.name,
				LaunchConfigurationARN: `arn:aws:autoscaling:${configuration.region}:${configuration.accountId}:launchConfiguration:${configuration.name}`,
				ImageId: configuration.imageId,
				InstanceType: configuration.instanceType,
				CreatedTime: configuration.createdTime,
				SecurityGroups: [],
				BlockDeviceMappings: [],
			})),
			NextToken: next < all.length ? String(next) : undefined,
		};
	},
};
