import {AwsError} from './model';
import type {StandInState} from './state';

/** When the stand-in's parameters last changed, as the JSON protocol gives dates: epoch seconds. */
const LAST_MODIFIED = Date.parse('2026-11-18T21:04:13.402Z') / 1000;

/** SSM's JSON protocol (`X-Amz-Target: AmazonSSM.<Action>`, `application/x-amz-json-1.1`), answered from the stand-in's parameter table. */
export const ssmHandlers: Record<string, (state: StandInState, input: Record<string, unknown>) => object> = {
	GetParameter(state, input) {
		const name = typeof input.Name === 'string' ? input.Name : '';
		const arn = `arn:aws:ssm:${state.data.region}::parameter${name.startsWith('/') ? '' : '/'}${name}`;
		if (state.data.ssmDenied?.includes(name))
			throw new AwsError(
				'AccessDeniedException',
				`User is not authorized to perform: ssm:GetParameter on resource: ${arn} because no identity-based policy allows the ssm:GetParameter action`,
			);
		const secure = state.data.ssmSecureStrings?.[name];
		const value = secure ?? state.data.ssmParameters?.[name];
		if (value === undefined) throw new AwsError('ParameterNotFound', '');
		return {
			Parameter: {
				Name: name,
				Type: secure === undefined ? 'String' : 'SecureString',
				// Without WithDecryption a SecureString comes back as its KMS ciphertext.
				Value: secure === undefined || input.WithDecryption === true ? value : Buffer.from(`kms-ciphertext:${name}`).toString('base64'),
				Version: 1,
				LastModifiedDate: LAST_MODIFIED,
				ARN: arn,
				DataType: 'text',
			},
		};
	},
};

export function jsonError(failure: AwsError): string {
	return JSON.stringify({__type: failure.code, message: failure.message});
}
