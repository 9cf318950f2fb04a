// A CLI stand-in that starts a Packer build through the real runner, prints the journalled
// identity of Packer once a line holds BUILD_ORPHAN_MARKER (default: Packer waits for the AMI),
// then waits to be killed (the test SIGKILLs it).
import {packerProcess} from '../../source/services/packer/orphan';
import {runPackerBuild} from '../../source/services/packer/runner';

const [packer, template, logPath] = process.argv.slice(2) as [string, string, string];
const marker = process.env.BUILD_ORPHAN_MARKER ?? 'Waiting for AMI';
const build = runPackerBuild({
	packer,
	template,
	variables: {run_id: 'run-7'},
	secrets: {},
	env: process.env,
	logPath,
	onEvent: event => {
		if (event.type === 'line' && event.text.includes(marker)) process.stdout.write(`${JSON.stringify(packerProcess(build.pid))}\n`);
	},
});
await build.result;
