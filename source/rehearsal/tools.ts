import {convoxStandIn} from './convox-stand-in';
import {registerImage, replayPacker, variablesOf} from './packer-replay';

export async function runRehearsalTool([tool, ...args]: string[]): Promise<number> {
	if (tool === 'packer') return replayPacker(args);
	if (tool === 'convox') return convoxStandIn(args);
	if (tool === 'register-image') {
		const variables = variablesOf(args);
		const imageId = await registerImage(variables, `convox-${variables.env}-${variables.version}`);
		process.stdout.write(`Registered ${imageId} in ${variables.region} (tagged ReleaseRun=${variables.run_id})\n`);
		return 0;
	}
	process.stderr.write(`Unknown rehearsal tool ${tool ?? '(none)'}.\n`);
	return 2;
}
