// Before npm test: are the system tools the suite runs here? As root on Debian or Ubuntu the missing
// ones are installed (this is what CI does on a fresh machine); anywhere else the check stops at once,
// naming the command that installs them. Plain Node, no dependencies: it runs before anything is built.
//
// For its own test: CHECK_TOOLS_ROOT=1|0 stands for "running as root" and CHECK_TOOLS_OS_RELEASE for
// /etc/os-release, so no test ever runs the real apt-get.
import {spawnSync} from 'node:child_process';
import {accessSync, constants, readFileSync} from 'node:fs';
import path from 'node:path';

/** What the suite spawns, and each platform's package for it (undefined: the platform ships it). */
const TOOLS = [
	// Validates packer/packer.json and builds against stand-ins.
	{tool: 'packer', apt: 'packer', brew: 'hashicorp/tap/packer', dnf: 'packer'},
	// Checks packer/scripts and the first-boot script.
	{tool: 'shellcheck', apt: 'shellcheck', brew: 'shellcheck', dnf: 'ShellCheck'},
	// The first-boot script's tests run it for real, with curl, jq and flock.
	{tool: 'jq', apt: 'jq', brew: 'jq', dnf: 'jq'},
	{tool: 'curl', apt: 'curl', brew: 'curl', dnf: 'curl'},
	{tool: 'flock', apt: 'util-linux', brew: 'flock', dnf: 'util-linux'},
	{tool: 'git', apt: 'git', brew: 'git', dnf: 'git'},
	// GNU time, for npm run bench.
	{tool: '/usr/bin/time', apt: 'time', brew: undefined, dnf: 'time'},
];
const HASHICORP_REPOSITORY = {
	fedora:
		'sudo dnf install -y dnf-plugins-core && sudo dnf config-manager addrepo --from-repofile=https://rpm.releases.hashicorp.com/fedora/hashicorp.repo',
	rhel: 'sudo dnf install -y dnf-plugins-core && sudo dnf config-manager --add-repo https://rpm.releases.hashicorp.com/RHEL/hashicorp.repo',
	amzn: 'sudo dnf install -y dnf-plugins-core && sudo dnf config-manager --add-repo https://rpm.releases.hashicorp.com/AmazonLinux/hashicorp.repo',
};

const executable = file => {
	try {
		accessSync(file, constants.X_OK);
		return true;
	} catch {
		return false;
	}
};
const find = tool =>
	tool.includes('/')
		? executable(tool)
			? tool
			: undefined
		: (process.env.PATH ?? '')
				.split(path.delimiter)
				.map(dir => path.join(dir || '.', tool))
				.find(executable);

/** HashiCorp Packer's version; undefined when the packer found is another program (Fedora's cracklib ships one). */
const packerVersion = file => /^Packer v(\S+)/m.exec(spawnSync(file, ['version'], {encoding: 'utf8', timeout: 30_000}).stdout ?? '')?.[1];

function missingTools() {
	const missing = [];
	let packer;
	for (const entry of TOOLS) {
		const file = find(entry.tool);
		if (entry.tool === 'packer' && file) packer = packerVersion(file);
		if (!file || (entry.tool === 'packer' && !packer)) missing.push(entry);
	}
	return {missing, packer};
}

function platform() {
	if (process.platform === 'darwin') return 'brew';
	let release = '';
	try {
		release = readFileSync(process.env.CHECK_TOOLS_OS_RELEASE || '/etc/os-release', 'utf8');
	} catch {
		return undefined;
	}
	const field = name => new RegExp(`^${name}="?([^"\\n]*)`, 'm').exec(release)?.[1] ?? '';
	const family = `${field('ID')} ${field('ID_LIKE')}`.split(/\s+/);
	if (family.includes('debian') || family.includes('ubuntu')) return 'apt';
	if (family.includes('fedora')) return ['fedora', 'amzn'].includes(field('ID')) ? `dnf-${field('ID')}` : 'dnf-rhel';
	return undefined;
}

/** The one command that installs what is missing on this platform, or undefined when there is none to name. */
function installCommand(kind, missing) {
	const packages = kind && [...new Set(missing.map(entry => entry[kind.replace(/-.*/, '')]).filter(Boolean))].join(' ');
	if (!packages) return undefined;
	if (kind === 'apt') return `sudo apt-get update && sudo apt-get install -y ${packages}`;
	if (kind === 'brew') return `brew install ${packages}`;
	if (kind?.startsWith('dnf')) {
		const install = `sudo dnf install -y ${packages}`;
		return missing.some(entry => entry.tool === 'packer') ? `${HASHICORP_REPOSITORY[kind.slice(4)]} && ${install}` : install;
	}
	return undefined;
}

const names = entries => entries.map(entry => entry.tool).join(', ');
const root = process.env.CHECK_TOOLS_ROOT ? process.env.CHECK_TOOLS_ROOT === '1' : process.getuid?.() === 0;
const kind = platform();
let {missing, packer} = missingTools();

if (missing.length > 0 && root && kind === 'apt' && find('apt-get')) {
	const packages = [...new Set(missing.map(entry => entry.apt))];
	console.log(`check-tools: installing ${packages.join(' ')} for npm test (${names(missing)} missing)`);
	const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
	for (const args of [
		['update', '-qq'],
		['install', '-y', '-qq', ...packages],
	]) {
		const {status, error} = spawnSync('apt-get', args, {stdio: ['ignore', 'ignore', 'inherit'], env});
		if (status !== 0) {
			console.error(`check-tools: apt-get ${args.join(' ')} failed (${error?.message ?? `exit ${status}`})`);
			process.exit(1);
		}
	}
	({missing, packer} = missingTools());
}

if (missing.length > 0) {
	const command = installCommand(kind, missing);
	console.error(`check-tools: npm test needs ${names(missing)}, not found on PATH.`);
	console.error(command ? `Install with:\n  ${command}` : 'Install them with your package manager.');
	if (missing.some(entry => entry.tool === 'packer')) console.error('Packer itself: https://developer.hashicorp.com/packer/install');
	process.exit(1);
}
console.log(`check-tools: packer ${packer}, ${names(TOOLS.slice(1))}: all here`);
