// Drives copyAmiToRegions against the AWS stand-in at URL, as a fleet run would, printing every
// progress event and the final copies as JSON lines. The kill test SIGKILLs it mid-copy.
import {createAwsClients} from '../../source/services/aws-clients';
import {copyAmiToRegions} from '../../source/services/ami-copies';

const [endpoint, sourceRegion, sourceAmiId, fleetRunId, ...targetRegions] = process.argv.slice(2) as [
	string,
	string,
	string,
	string,
	...string[],
];
const clients = await createAwsClients({
	region: sourceRegion,
	endpoint,
	credentials: {accessKeyId: 'AKIAREHEARSAL0000000', secretAccessKey: 'rehearsal-secret'},
});
const copies = await copyAmiToRegions(
	async region => clients.ec2For(region),
	{region: sourceRegion, amiId: sourceAmiId, name: 'convox-dev-3f2c1ab'},
	targetRegions,
	fleetRunId,
	{
		minDelaySeconds: 0.05,
		maxDelaySeconds: 0.2,
		onProgress: progress => process.stdout.write(`${JSON.stringify({progress})}\n`),
	},
);
process.stdout.write(`${JSON.stringify({copies})}\n`);
