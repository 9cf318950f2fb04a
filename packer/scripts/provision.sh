#!/bin/sh
# Runs as root on the build instance. Tells the base's Amazon Linux release from /etc/os-release
# (1: upstart and yum, 2: systemd and yum, 2023: systemd and dnf), then installs the first-boot job
# for it, its settings (the env and the logspout task definition family), what it needs (AWS CLI,
# jq, curl), collectd and the metrics backend it ships to (METRICS_BACKEND: cloudwatch, the default,
# through the local CloudWatch agent; or librato, write_http with the Librato secrets), and the
# secrets, readable by root only.
# Nothing here depends on the CPU architecture: the same script provisions Intel, AMD and Graviton bases.
# CONVOX_AMI_ROOT and CONVOX_AMI_OWNER let tests run it in a sandbox.
set -eu

files=${CONVOX_AMI_FILES:-/tmp/convox-ami}
root=${CONVOX_AMI_ROOT:-}
owner=${CONVOX_AMI_OWNER:-root:root}
: "${LOGSPOUT_TOKEN:?LOGSPOUT_TOKEN is required}"
metrics_backend=${METRICS_BACKEND:-cloudwatch}
env_name=${CONVOX_AMI_ENV:-}
task_definition=${LOGSPOUT_TASK_DEFINITION:-logspout-$env_name}
# The EPEL 7 release package is noarch; Amazon Linux 2 falls back to it when amazon-linux-extras cannot install collectd.
epel7_release=https://dl.fedoraproject.org/pub/epel/epel-release-latest-7.noarch.rpm
types_db=/usr/share/collectd/types.db

log() {
	printf 'convox-ami provision: %s\n' "$*"
}

fail() {
	printf 'convox-ami provision: %s\n' "$*" >&2
	exit 1
}

# Quotes a value for a collectd config string. The value travels through a pipe, never argv.
collectd_string() {
	printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

# install_file MODE TARGET: moves TARGET.tmp into place, owned by root, with MODE.
install_file() {
	chown "$owner" "$2.tmp"
	chmod "$1" "$2.tmp"
	mv "$2.tmp" "$2"
}

# os_release_field NAME: the value of NAME in /etc/os-release, without its quotes.
os_release_field() {
	sed -n "/^$1=/{s/^$1=//;s/^[\"']//;s/[\"']\$//;p;q;}" "$root/etc/os-release"
}

has_collectd() {
	command -v collectd >/dev/null 2>&1 || [ -x "$root/usr/sbin/collectd" ]
}

# has_plugin NAME: collectd's NAME plugin is installed.
has_plugin() {
	[ -e "$root/usr/lib64/collectd/$1.so" ] || [ -e "$root/usr/lib/collectd/$1.so" ]
}

has_cloudwatch_agent() {
	[ -x "$root/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl" ]
}

# Amazon Linux 2 has collectd as an amazon-linux-extras topic; without the topic (or the tool), EPEL 7 has it.
install_collectd_al2() {
	if command -v amazon-linux-extras >/dev/null 2>&1; then
		amazon-linux-extras install -y collectd && return 0
		log 'amazon-linux-extras could not install collectd: installing it from EPEL 7'
		amazon-linux-extras install -y epel
	else
		log 'amazon-linux-extras is missing: installing collectd from EPEL 7'
		yum install -y "$epel7_release"
	fi
	yum install -y collectd
}

# Both values go unquoted into a file that systemd and sh read; the env also names the collectd host.
case $env_name in
'' | *[!a-z0-9-]*) fail "CONVOX_AMI_ENV must be lowercase letters, digits and hyphens, not '$env_name'" ;;
esac
case $task_definition in
*[!A-Za-z0-9_:/.-]*) fail "LOGSPOUT_TASK_DEFINITION must be a task definition family, family:revision or ARN, not '$task_definition'" ;;
esac
case $metrics_backend in
cloudwatch) ;;
librato)
	: "${LIBRATO_EMAIL:?LIBRATO_EMAIL is required with METRICS_BACKEND=librato}"
	: "${LIBRATO_TOKEN:?LIBRATO_TOKEN is required with METRICS_BACKEND=librato}"
	;;
*) fail "METRICS_BACKEND must be cloudwatch or librato, not '$metrics_backend'" ;;
esac

if [ -r "$root/etc/os-release" ]; then
	os_id=$(os_release_field ID)
	os_version=$(os_release_field VERSION_ID)
elif grep -Eq '^Amazon Linux AMI release [0-9]{4}\.[0-9]{2}' "$root/etc/system-release" 2>/dev/null; then
	os_id=amzn
	os_version=$(sed -n 's/^Amazon Linux AMI release \([0-9]*\.[0-9]*\).*/\1/p' "$root/etc/system-release")
else
	fail 'cannot tell which OS this base image runs: /etc/os-release is missing; convox-ami provisions Amazon Linux 1, 2 and 2023 (ECS-optimized) bases'
fi
case "$os_id:$os_version" in
# Amazon Linux 1 numbers its releases YYYY.MM (2016.03 ... 2018.03).
amzn:[0-9][0-9][0-9][0-9].[0-9][0-9]) os='Amazon Linux 1' init=upstart packages=yum awscli=aws-cli ;;
amzn:2) os='Amazon Linux 2' init=systemd packages=yum awscli=awscli ;;
amzn:2023) os='Amazon Linux 2023' init=systemd packages=dnf awscli=awscli-2 ;;
*) fail "unsupported base image: /etc/os-release says ID=$os_id VERSION_ID=$os_version; convox-ami provisions Amazon Linux 1 (YYYY.MM), 2 and 2023 (ECS-optimized) bases" ;;
esac
log "$os ($os_version): $init, $packages"
if [ "$metrics_backend" = cloudwatch ] && [ "$init" = upstart ]; then
	fail "$os cannot ship metrics to CloudWatch: the CloudWatch agent needs systemd (Amazon Linux 2 or 2023). Build with metrics_backend=librato, or move the rack to a Convox version with an Amazon Linux 2023 base"
fi
if [ "$metrics_backend" = librato ]; then
	printf 'convox-ami provision: warning: Librato reached its end of service on 2026-01-31 and may no longer take these metrics. To move to CloudWatch, build with metrics_backend=cloudwatch (the default; Amazon Linux 2 or 2023 bases) and allow the instance role cloudwatch:PutMetricData\n' >&2
fi

# A base whose init is not its release's (a container, say) would never run the first-boot job.
case $init in
systemd)
	[ -d "$root/run/systemd/system" ] ||
		fail "$os runs systemd, but systemd is not running here (/run/systemd/system is missing): cannot install the first-boot unit"
	;;
upstart)
	{ command -v initctl >/dev/null 2>&1 && initctl version | grep -q upstart; } ||
		fail "$os runs upstart, but initctl does not answer as upstart here: cannot install the first-boot job"
	;;
esac

set --
command -v aws >/dev/null 2>&1 || set -- "$@" "$awscli"
command -v jq >/dev/null 2>&1 || set -- "$@" jq
command -v curl >/dev/null 2>&1 || set -- "$@" curl
if [ "$#" -gt 0 ]; then
	log "installing $*"
	"$packages" install -y "$@"
fi

# Amazon Linux 1 ships EPEL disabled: a collectd taken from it takes its plugin from it too.
plugin_repo=''
if ! has_collectd; then
	log 'installing collectd'
	case $os in
	'Amazon Linux 1') yum install -y collectd || { plugin_repo=--enablerepo=epel && yum install -y "$plugin_repo" collectd; } ;;
	'Amazon Linux 2') install_collectd_al2 ;;
	'Amazon Linux 2023') dnf install -y collectd ;;
	esac || fail "collectd is not available from the repositories of this $os base image"
fi
case $metrics_backend in
librato)
	# EPEL and Amazon Linux 2023 package the write_http plugin on its own; other builds of collectd carry it.
	if ! has_plugin write_http; then
		log 'installing collectd-write_http'
		"$packages" install -y ${plugin_repo:+"$plugin_repo"} collectd-write_http || true
	fi
	has_plugin write_http ||
		fail "the collectd write_http plugin is missing: neither collectd nor a collectd-write_http package from $packages installed write_http.so"
	;;
cloudwatch)
	has_plugin network || fail 'the collectd network plugin is missing: the collectd package installed no network.so'
	if ! has_cloudwatch_agent; then
		log 'installing amazon-cloudwatch-agent'
		"$packages" install -y amazon-cloudwatch-agent ||
			fail "amazon-cloudwatch-agent is not available from the repositories of this $os base image"
	fi
	;;
esac

mkdir -p "$root/etc/collectd.d" "$root/etc/convox-ami" "$root/usr/local/sbin"
chmod 0755 "$root/etc/collectd.d" "$root/etc/convox-ami"
umask 077
if ! grep -Eq '^[[:space:]]*Include[[:space:]]+"?/etc/collectd\.d' "$root/etc/collectd.conf"; then
	printf '\nInclude "/etc/collectd.d"\n' >>"$root/etc/collectd.conf"
fi

case $metrics_backend in
librato)
	librato_conf="$root/etc/collectd.d/librato.conf"
	{
		printf 'LoadPlugin write_http\n'
		printf '<Plugin write_http>\n'
		printf '\t<URL "https://collectd.librato.com/v1/measurements">\n'
		printf '\t\tUser "%s"\n' "$(collectd_string "$LIBRATO_EMAIL")"
		printf '\t\tPassword "%s"\n' "$(collectd_string "$LIBRATO_TOKEN")"
		printf '\t\tFormat "JSON"\n'
		printf '\t\tBufferSize 8192\n'
		printf '\t</URL>\n'
		printf '</Plugin>\n'
	} >"$librato_conf.tmp"
	install_file 0600 "$librato_conf"
	;;
cloudwatch)
	# The agent refuses to start without collectd's types.db at this path (aws/amazon-cloudwatch-agent#274).
	if [ ! -e "$root$types_db" ]; then
		found=$(find "$root/usr" "$root/opt" -path '*collectd*' -name types.db -print -quit 2>/dev/null || true)
		[ -n "$found" ] || fail "collectd installed no types.db: the CloudWatch agent does not start without $types_db"
		log "linking $types_db to ${found#"$root"}"
		mkdir -p "$root${types_db%/*}"
		ln -s "${found#"$root"}" "$root$types_db"
	fi

	{
		printf 'LoadPlugin network\n'
		printf '<Plugin network>\n'
		printf '\tServer "127.0.0.1" "25826"\n'
		printf '</Plugin>\n'
	} >"$root/etc/collectd.d/cloudwatch.conf.tmp"
	install_file 0644 "$root/etc/collectd.d/cloudwatch.conf"

	# The agent's unit translates this file at every start, in the mode it detects (ec2 on an instance):
	# the region and instance id come from the instance, none of the build's.
	agent_etc="$root/opt/aws/amazon-cloudwatch-agent/etc"
	mkdir -p "$agent_etc"
	cat >"$agent_etc/amazon-cloudwatch-agent.json.tmp" <<EOF
{
	"metrics": {
		"namespace": "CWAgent",
		"append_dimensions": {"InstanceId": "\${aws:InstanceId}"},
		"metrics_collected": {
			"collectd": {
				"service_address": "udp://127.0.0.1:25826",
				"collectd_security_level": "none",
				"collectd_typesdb": ["$types_db"],
				"metrics_aggregation_interval": 60
			}
		}
	}
}
EOF
	install_file 0644 "$agent_etc/amazon-cloudwatch-agent.json"
	log 'the CloudWatch agent starts at boot and receives collectd on 127.0.0.1:25826 (namespace CWAgent)'
	systemctl enable amazon-cloudwatch-agent
	;;
esac

printf '%s\n' "$LOGSPOUT_TOKEN" >"$root/etc/convox-ami/logspout-token.tmp"
install_file 0600 "$root/etc/convox-ami/logspout-token"

printf 'CONVOX_AMI_ENV=%s\nCONVOX_AMI_VERSION=%s\nCONVOX_VERSION=%s\n' \
	"${CONVOX_AMI_ENV:-}" "${CONVOX_AMI_VERSION:-}" "${CONVOX_VERSION:-}" >"$root/etc/convox-ami/release.tmp"
install_file 0644 "$root/etc/convox-ami/release"

printf 'CONVOX_AMI_ENV=%s\nLOGSPOUT_TASK_DEFINITION=%s\n' "$env_name" "$task_definition" >"$root/etc/convox-ami/first-boot.env.tmp"
install_file 0600 "$root/etc/convox-ami/first-boot.env"

cp "$files/convox-ami-first-boot.sh" "$root/usr/local/sbin/convox-ami-first-boot.tmp"
install_file 0755 "$root/usr/local/sbin/convox-ami-first-boot"

case $init in
systemd)
	log 'systemd: installing convox-ami-first-boot.service; collectd starts once the first boot has named the instance'
	mkdir -p "$root/etc/systemd/system"
	cp "$files/convox-ami-first-boot.service" "$root/etc/systemd/system/convox-ami-first-boot.service.tmp"
	install_file 0644 "$root/etc/systemd/system/convox-ami-first-boot.service"
	systemctl daemon-reload
	systemctl enable convox-ami-first-boot.service
	systemctl disable collectd
	;;
upstart)
	log 'upstart: installing /etc/init/convox-ami-first-boot.conf; collectd starts once the first boot has named the instance'
	mkdir -p "$root/etc/init"
	cp "$files/convox-ami-first-boot.conf" "$root/etc/init/convox-ami-first-boot.conf.tmp"
	install_file 0644 "$root/etc/init/convox-ami-first-boot.conf"
	chkconfig collectd off
	;;
esac
log 'done'
