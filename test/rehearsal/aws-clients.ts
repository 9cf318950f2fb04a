import {CloudFormationClient, DescribeStacksCommand} from '@aws-sdk/client-cloudformation';
import {EC2Client} from '@aws-sdk/client-ec2';
import {STSClient} from '@aws-sdk/client-sts';

export function clientConfig(url: string, accessKeyId = 'AKIAREHEARSAL0000000') {
	return {endpoint: url, region: 'us-east-1', credentials: {accessKeyId, secretAccessKey: 'rehearsal-secret'}};
}

export function clients(url: string, accessKeyId?: string) {
	const config = clientConfig(url, accessKeyId);
	return {cloudformation: new CloudFormationClient(config), sts: new STSClient(config), ec2: new EC2Client(config)};
}

/** Polls DescribeStacks until the stack leaves every *_IN_PROGRESS status. */
export async function settled(cloudformation: CloudFormationClient, stackName: string, timeoutMs = 10_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const {Stacks} = await cloudformation.send(new DescribeStacksCommand({StackName: stackName}));
		const stack = Stacks![0]!;
		if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) {
			return stack;
		}

		if (Date.now() > deadline) {
			throw new Error(`${stackName} still ${stack.StackStatus} after ${timeoutMs} ms`);
		}

		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

export function parameterMap(parameters: Array<{ParameterKey?: string; ParameterValue?: string}> = []) {
	return Object.fromEntries(parameters.map(parameter => [parameter.ParameterKey!, parameter.ParameterValue!]));
}
