import {GetParameterCommand, ParameterNotFound, SSMClient, SSMServiceException} from '@aws-sdk/client-ssm';
import {mockClient} from 'aws-sdk-client-mock';
import {afterEach, describe, expect, it} from 'vitest';
import {getParameter} from '../../source/services/ssm-parameters';

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());
const client = () => new SSMClient({region: 'us-east-1', credentials: {accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'not-a-secret'}});
const failure = (name: string, message: string) =>
	new SSMServiceException({name, message, $fault: 'client', $metadata: {httpStatusCode: 400}});

describe('getParameter', () => {
	it('tells a missing parameter, a refused one and other failures apart', async () => {
		ssm.on(GetParameterCommand, {Name: '/missing'}).rejects(new ParameterNotFound({message: '', $metadata: {}}));
		ssm
			.on(GetParameterCommand, {Name: '/denied'})
			.rejects(
				failure('AccessDeniedException', 'User: arn:aws:sts::111111111111:assumed-role/Dev is not authorized to perform: ssm:GetParameter'),
			);
		ssm.on(GetParameterCommand, {Name: '/throttled'}).rejects(failure('ThrottlingException', 'Rate exceeded'));
		ssm.on(GetParameterCommand, {Name: '/empty'}).resolves({});
		expect(await getParameter(client(), '/missing')).toEqual({kind: 'not-found'});
		expect(await getParameter(client(), '/empty')).toEqual({kind: 'not-found'});
		expect(await getParameter(client(), '/denied')).toEqual({
			kind: 'denied',
			message: expect.stringContaining('not authorized to perform: ssm:GetParameter'),
		});
		await expect(getParameter(client(), '/throttled')).rejects.toThrow('Rate exceeded');
	});
});
