import {convoxStandIn} from './convox-stand-in';
import {replayPacker} from './packer-replay';

export async function runRehearsalTool([tool, ...args]: string[]): Promise<number> {
	if (tool === 'packer') return replayPacker(args);
	if (tool === 'convox') return convoxStandIn(args);
	process.stderr.write(`Unknown rehearsal tool ${tool ?? '(none)'}.\n`);
	return 2;
}
