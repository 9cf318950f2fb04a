import {randomUUID} from './ids';
import {AwsError} from './model';
import type {StandInState} from './state';

/** Secrets Manager's JSON protocol (`X-Amz-Target: secretsmanager.<Action>`, `application/x-amz-json-1.1`), answered from the stand-in's secrets. */
export const secretsManagerHandlers: Record<string, (state: StandInState, input: Record<string, unknown>, accountId: string) => object> = {
	GetSecretValue(state, input, accountId) {
		const id = typeof input.SecretId === 'string' ? input.SecretId : '';
		const arn = `arn:aws:secretsmanager:${state.data.region}:${accountId}:secret:${id}-AbCdEf`;
		if (state.data.secretsDenied?.includes(id))
			throw new AwsError(
				'AccessDeniedException',
				`User is not authorized to perform: secretsmanager:GetSecretValue on resource: ${id} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
			);
		const value = state.data.secrets?.[id];
		if (value === undefined) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
		return {ARN: arn, Name: id, SecretString: value, VersionId: randomUUID(), VersionStages: ['AWSCURRENT'], CreatedDate: 1_763_500_000};
	},
};
