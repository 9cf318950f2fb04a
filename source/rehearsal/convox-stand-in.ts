import {standInQuery, xmlValue} from './aws-query';

function valueAfter(args: string[], name: string): string | undefined {
	const index = args.indexOf(name);
	return index === -1 ? undefined : args[index + 1];
}

/**
 * `convox` for --rehearse: `convox rack` answers from the CloudFormation stand-in's stack
 * (`convox-<rack>`), in the format of the Convox CLI; `convox apps info hello-world` names the
 * rehearsal's hello-world endpoint.
 */
export async function convoxStandIn(args: string[]): Promise<number> {
	const rack = valueAfter(args, '--rack') ?? process.env.RACK ?? 'dev';
	if (args[0] === 'rack') {
		const xml = await standInQuery(process.env, 'AWS_ENDPOINT_URL_CLOUDFORMATION', {
			Action: 'DescribeStacks',
			Version: '2010-05-15',
			StackName: `convox-${rack}`,
		});
		const status = xmlValue(xml, 'StackStatus') ?? 'UNKNOWN';
		const version = /<ParameterKey>Version<\/ParameterKey>\s*<ParameterValue>([^<]*)<\/ParameterValue>/.exec(xml)?.[1] ?? '';
		const count = /<ParameterKey>InstanceCount<\/ParameterKey>\s*<ParameterValue>([^<]*)<\/ParameterValue>/.exec(xml)?.[1] ?? '3';
		const state = status.endsWith('_IN_PROGRESS') ? 'updating' : 'running';
		process.stdout.write(`Name     convox-${rack}\nStatus   ${state}\nVersion  ${version}\nCount    ${count}\nType     t2.small\n`);
		return 0;
	}
	if (args[0] === 'apps' && args[1] === 'info') {
		process.stdout.write(
			`Name        ${args[2] ?? 'hello-world'}\nStatus      running\nRelease     RABCDEFGHIJ\nProcesses   web\nEndpoints   ${process.env.CONVOX_AMI_REHEARSAL_HELLO_WORLD ?? ''}\n`,
		);
		return 0;
	}
	process.stderr.write(`The rehearsal's convox answers \`rack\` and \`apps info\` only (got ${args.join(' ')}).\n`);
	return 1;
}
