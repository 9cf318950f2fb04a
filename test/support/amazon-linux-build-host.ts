import {chmod, mkdir, readFile, symlink, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';

/**
 * A sandboxed build instance of one Amazon Linux release for packer/scripts/provision.sh: a fake root
 * with the release's /etc/os-release, and fakes of its package managers and init tools that record
 * every call. The package managers install from fake repositories: a package that is not in an
 * enabled repository fails as dnf and yum do, and an installed package leaves its files in the root
 * (collectd's binary, plugins and types.db, the CloudWatch agent's control script) or enables a
 * repository (epel-release).
 */

export type AmazonLinux = 'al1' | 'al2' | 'al2023';

const packerDir = fileURLToPath(new URL('../../packer/', import.meta.url));
const osReleases = fileURLToPath(new URL('../fixtures/os-release/', import.meta.url));
const TOOLS = ['sed', 'grep', 'chown', 'chmod', 'mv', 'mkdir', 'cp', 'cat', 'find', 'ln'];

const COLLECTD = 'usr/sbin/collectd';
const WRITE_HTTP = 'usr/lib64/collectd/write_http.so';
const NETWORK = 'usr/lib64/collectd/network.so';
export const TYPES_DB = 'usr/share/collectd/types.db';
const CLOUDWATCH_AGENT = 'opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl';
const EPEL = '+repo:epel';

/** Package name → what installing it leaves: a path in the root, or `+repo:NAME` (a repository enabled from then on). */
type Repository = Record<string, string[]>;

interface Release {
	osRelease: string;
	commands: string[];
	/** Keyed by the tool, or tool+repo for a repository that is off until enabled. */
	repositories: Record<string, Repository>;
	init: 'systemd' | 'upstart';
}

const EPEL_COLLECTD: Repository = {collectd: [COLLECTD, NETWORK, TYPES_DB], 'collectd-write_http': [WRITE_HTTP]};

const AL2023_PACKAGES: Repository = {
	collectd: [COLLECTD, NETWORK, TYPES_DB],
	'collectd-write_http': [WRITE_HTTP],
	'amazon-cloudwatch-agent': [CLOUDWATCH_AGENT],
	'awscli-2': [],
	jq: [],
};

// Every release has curl on its path (Amazon Linux 2023's curl-minimal even conflicts with the curl package).
export const RELEASES: Record<AmazonLinux, Release> = {
	// Amazon Linux 1: collectd from amzn-main; EPEL configured but disabled.
	al1: {
		osRelease: 'amzn-2018.03',
		commands: ['yum', 'initctl', 'chkconfig', 'curl'],
		repositories: {yum: {collectd: [COLLECTD, WRITE_HTTP, NETWORK, TYPES_DB], 'aws-cli': [], jq: []}, 'yum+epel': EPEL_COLLECTD},
		init: 'upstart',
	},
	// Amazon Linux 2: collectd is an amazon-linux-extras topic; EPEL 7 through the epel topic or its release package.
	al2: {
		osRelease: 'amzn-2',
		commands: ['yum', 'amazon-linux-extras', 'systemctl', 'curl'],
		repositories: {
			yum: {awscli: [], jq: [], 'amazon-cloudwatch-agent': [CLOUDWATCH_AGENT], 'epel-release-latest-7.noarch.rpm': [EPEL]},
			'amazon-linux-extras': {collectd: [COLLECTD, WRITE_HTTP, NETWORK, TYPES_DB], epel: [EPEL]},
			'yum+epel': EPEL_COLLECTD,
		},
		init: 'systemd',
	},
	// Amazon Linux 2023: dnf (yum is an alias nobody should need), write_http packaged on its own, no amazon-linux-extras.
	al2023: {
		osRelease: 'amzn-2023',
		commands: ['dnf', 'yum', 'systemctl', 'curl'],
		repositories: {
			dnf: AL2023_PACKAGES,
			yum: AL2023_PACKAGES,
		},
		init: 'systemd',
	},
};

// One script for every fake command: it records its argv; initctl answers as upstart 0.6.5; yum, dnf
// and amazon-linux-extras install from $FAKE_REPOS (all packages or none, as dnf does).
const FAKE = `#!/bin/sh
tool=\${0##*/}
echo "$tool $*" >>"$FAKE_CALLS"
case $tool in
initctl)
	if [ "$1" = version ]; then echo 'init (upstart 0.6.5)'; fi
	exit 0
	;;
yum | dnf | amazon-linux-extras) ;;
*) exit 0 ;;
esac
[ "$1" = install ] || exit 0
shift
repos=$tool
if [ -f "$FAKE_STATE/enabled-repos" ]; then
	while read -r repo; do repos="$repos $tool+$repo"; done <"$FAKE_STATE/enabled-repos"
fi
packages=''
for arg in "$@"; do
	case $arg in
	-y) ;;
	--enablerepo=*) repos="$repos $tool+\${arg#--enablerepo=}" ;;
	*) packages="$packages \${arg##*/}" ;;
	esac
done
found=''
for package in $packages; do
	match=''
	for repo in $repos; do
		if [ -f "$FAKE_REPOS/$repo/$package" ]; then match="$FAKE_REPOS/$repo/$package"; break; fi
	done
	if [ -z "$match" ]; then
		echo "No match for argument: $package" >&2
		exit 1
	fi
	found="$found $match"
done
for match in $found; do
	while read -r item; do
		case $item in
		+repo:*) echo "\${item#+repo:}" >>"$FAKE_STATE/enabled-repos" ;;
		?*)
			mkdir -p "$FAKE_ROOT/\${item%/*}"
			: >"$FAKE_ROOT/$item"
			chmod 0755 "$FAKE_ROOT/$item"
			;;
		esac
	done <"$match"
done
`;

export interface BuildHostOptions {
	/** Packages taken out of a repository, as `tool/package` (`amazon-linux-extras/collectd`). */
	without?: string[];
	/** Commands the base does not have (`amazon-linux-extras`). */
	missing?: string[];
	/** Commands the base has besides its release's (recorded, doing nothing). */
	extra?: string[];
	/** Another /etc/os-release (a file in test/fixtures/os-release), or none. */
	osRelease?: string | null;
	/** Run systemd (or, false, not), whatever the release runs. */
	systemd?: boolean;
	/** Where the collectd packages put types.db instead of /usr/share/collectd (a path in the root), or null for nowhere. */
	typesDb?: string | null;
}

export const SECRETS = {
	LIBRATO_EMAIL: 'ops"metrics@example.com',
	LIBRATO_TOKEN: 'librato-0123456789abcdef',
	LOGSPOUT_TOKEN: 'logspout-fedcba9876543210',
};

export type BuildHost = Awaited<ReturnType<typeof buildHost>>;

export async function buildHost(sandbox: string, release: AmazonLinux, options: BuildHostOptions = {}) {
	const {osRelease, commands, repositories, init} = RELEASES[release];
	const root = path.join(sandbox, `${release}-root`);
	const bin = path.join(sandbox, `${release}-bin`);
	const repos = path.join(sandbox, `${release}-repos`);
	const state = path.join(sandbox, `${release}-state`);
	const callsFile = path.join(sandbox, `${release}-calls.log`);
	await Promise.all([mkdir(path.join(root, 'etc'), {recursive: true}), mkdir(bin), mkdir(state)]);

	const releaseFile = options.osRelease === undefined ? osRelease : options.osRelease;
	if (releaseFile) await writeFile(path.join(root, 'etc', 'os-release'), await readFile(path.join(osReleases, releaseFile), 'utf8'));
	await writeFile(path.join(root, 'etc', 'collectd.conf'), 'LoadPlugin cpu\n');
	if (options.systemd ?? init === 'systemd') await mkdir(path.join(root, 'run', 'systemd', 'system'), {recursive: true});

	for (const [key, packages] of Object.entries(repositories)) {
		await mkdir(path.join(repos, key), {recursive: true});
		for (const [name, items] of Object.entries(packages)) {
			if (options.without?.includes(`${key}/${name}`)) continue;
			const placed = items.flatMap(item => (item === TYPES_DB && options.typesDb !== undefined ? (options.typesDb ?? []) : item));
			await writeFile(path.join(repos, key, name), placed.map(item => `${item}\n`).join(''));
		}
	}
	for (const tool of TOOLS) await symlink((await execa('sh', ['-c', `command -v ${tool}`])).stdout, path.join(bin, tool));
	for (const command of [...commands, ...(options.extra ?? [])]) {
		if (options.missing?.includes(command)) continue;
		await writeFile(path.join(bin, command), FAKE);
		await chmod(path.join(bin, command), 0o755);
	}

	/** Runs provision.sh as Packer does (as root: here owned by the test's user), for env `dev`. */
	const provision = (env: Record<string, string> = SECRETS) =>
		execa('/bin/sh', [path.join(packerDir, 'scripts', 'provision.sh')], {
			extendEnv: false,
			env: {
				PATH: bin,
				CONVOX_AMI_FILES: path.join(packerDir, 'convox-ami'),
				CONVOX_AMI_ROOT: root,
				CONVOX_AMI_OWNER: `${process.getuid!()}:${process.getgid!()}`,
				CONVOX_AMI_ENV: 'dev',
				CONVOX_AMI_VERSION: 'dev-20261125010203',
				CONVOX_VERSION: '20160916121812',
				FAKE_CALLS: callsFile,
				FAKE_REPOS: repos,
				FAKE_ROOT: root,
				FAKE_STATE: state,
				...env,
			},
			reject: false,
			all: true,
		});
	const calls = async () => (existsSync(callsFile) ? (await readFile(callsFile, 'utf8')).trim().split('\n') : []);
	return {root, bin, provision, calls};
}
