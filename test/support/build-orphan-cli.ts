// A CLI stand-in that starts a Packer build through the real runner, prints Packer's identity once
// a line holds BUILD_ORPHAN_MARKER (default: Packer waits for the AMI), then waits to be killed
// (the test SIGKILLs it; the keeper goes on). BUILD_ORPHAN_SHARE (JSON) is the shared state the keeper sends its files to.
import type {StateHandOff} from '../../source/core/state-location';
import {startPackerBuild} from '../../source/services/packer/runner';

const [packer, template, logPath] = process.argv.slice(2) as [string, string, string];
const marker = process.env.BUILD_ORPHAN_MARKER ?? 'Waiting for AMI';
let shown = false;
const build = await startPackerBuild({
	packer,
	template,
	variables: {run_id: 'run-7'},
	secrets: [],
	aws: {accessKeyId: 'AKIAORPHANTEST000001', secretAccessKey: 'orphan-secret', region: 'us-east-1'},
	environment: process.env,
	logPath,
	...(process.env.BUILD_ORPHAN_SHARE ? {share: JSON.parse(process.env.BUILD_ORPHAN_SHARE) as StateHandOff} : {}),
	onEvent: event => {
		if (shown || event.type !== 'line' || !event.text.includes(marker)) return;
		shown = true;
		process.stdout.write(`${JSON.stringify(build.packer)}\n`);
	},
});
await build.result;
