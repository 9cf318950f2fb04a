import {recordedBuild} from './data/amazon-ebs-build';
import {standInQuery, xmlValue} from './aws-query';

const RECORDED_AMI = 'ami-0a7f3c9e21d4b5e86';
const RECORDED_NAME = 'convox-dev-3f2c1ab';

export function variablesOf(args: string[]): Record<string, string> {
	const variables: Record<string, string> = {};
	args.forEach((arg, index) => {
		if (arg !== '-var') return;
		const [key, ...value] = (args[index + 1] ?? '').split('=');
		if (key) variables[key] = value.join('=');
	});
	return variables;
}

export async function registerImage(variables: Record<string, string>, name: string): Promise<string> {
	const tags: Record<string, string> = {
		Env: variables.env ?? '',
		Version: variables.version ?? '',
		ConvoxVersion: variables.convox_version ?? '',
		SourceAmi: variables.source_ami ?? '',
		ReleaseRun: variables.run_id ?? '',
	};
	const params: Record<string, string> = {
		Action: 'RegisterImage',
		Version: '2016-11-15',
		Name: name,
		'TagSpecification.1.ResourceType': 'image',
	};
	Object.entries(tags).forEach(([key, value], index) => {
		params[`TagSpecification.1.Tag.${index + 1}.Key`] = key;
		params[`TagSpecification.1.Tag.${index + 1}.Value`] = value;
	});
	const imageId = xmlValue(await standInQuery(process.env, 'AWS_ENDPOINT_URL_EC2', params, variables.region || undefined), 'imageId');
	if (!imageId) throw new Error('The EC2 stand-in did not register the image.');
	return imageId;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * `packer` for --rehearse: replays a recorded amazon-ebs build in machine-readable form, paced over
 * CONVOX_AMI_REHEARSAL_BUILD_SECONDS (default 8), registering the "built" image with the EC2
 * stand-in (tagged like the real template tags it) so that resume and the checks find it.
 */
export async function replayPacker(args: string[]): Promise<number> {
	const [command] = args;
	if (command === '-machine-readable' && args[1] === 'version') {
		// The recorded build is Packer 1.6.6's, which bundles amazon-ebs.
		const now = Math.floor(Date.now() / 1000);
		process.stdout.write(`${now},,version,1.6.6\n${now},,ui,say,Packer v1.6.6\n`);
		return 0;
	}
	if (command === 'validate') {
		process.stdout.write('Template validated successfully.\n');
		return 0;
	}
	if (command !== 'build') {
		process.stderr.write(`The rehearsal's packer only validates and builds (got ${command}).\n`);
		return 1;
	}
	const variables = variablesOf(args);
	const region = variables.region ?? 'us-east-1';
	const name = `convox-${variables.env ?? 'dev'}-${variables.version ?? 'rehearsal'}`;
	const lines = recordedBuild.trimEnd().split('\n');
	const first = Number(lines[0]!.split(',')[0]);
	const last = Number(lines.at(-1)!.split(',')[0]);
	const seconds = Number(process.env.CONVOX_AMI_REHEARSAL_BUILD_SECONDS ?? 8);
	const scale = (seconds * 1000) / Math.max(1, last - first);
	let cancelled = false;
	process.on('SIGINT', () => {
		cancelled = true;
	});
	let amiId = RECORDED_AMI;
	const started = Date.now();
	for (const line of lines) {
		const [stamp] = line.split(',');
		const due = (Number(stamp) - first) * scale;
		const wait = due - (Date.now() - started);
		if (wait > 0) await sleep(wait);
		if (cancelled) {
			const now = Math.floor(Date.now() / 1000);
			process.stdout.write(
				`${now},,ui,error,Cancelling build after receiving interrupt\n${now},,ui,say,==> amazon-ebs: Terminating the source AWS instance...\n${now},,ui,say,Cleanly cancelled builds after being interrupted.\n`,
			);
			return 1;
		}
		if (line.includes(`Creating AMI ${RECORDED_NAME}`)) amiId = await registerImage(variables, name);
		const now = Math.floor(Date.now() / 1000);
		const replayed = line
			.replace(/^\d+/, String(now))
			.replaceAll(RECORDED_AMI, amiId)
			.replaceAll(RECORDED_NAME, name)
			.replaceAll('us-east-1', region);
		process.stdout.write(`${replayed}\n`);
	}
	return 0;
}
