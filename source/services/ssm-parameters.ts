import {GetParameterCommand, type SSMClient} from '@aws-sdk/client-ssm';
import {errorName, errorText} from '../core/errors';

export type ParameterLookup = {kind: 'found'; value: string; version?: number} | {kind: 'not-found'} | {kind: 'denied'; message: string};

/** One SSM parameter's value (the public ECS-optimized AMI parameters, or one an operator named). */
export async function getParameter(ssm: SSMClient, name: string, abortSignal?: AbortSignal): Promise<ParameterLookup> {
	try {
		const {Parameter} = await ssm.send(new GetParameterCommand({Name: name}), {abortSignal});
		if (!Parameter?.Value) return {kind: 'not-found'};
		return {kind: 'found', value: Parameter.Value, ...(Parameter.Version === undefined ? {} : {version: Parameter.Version})};
	} catch (error) {
		const name = errorName(error);
		if (name === 'ParameterNotFound' || name === 'ParameterVersionNotFound') return {kind: 'not-found'};
		if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedOperation')
			return {kind: 'denied', message: errorText(error)};
		throw error;
	}
}
