#!/bin/sh
# Runs as root on the build instance. Installs the first-boot job for the base's init system, its
# settings (the env and the logspout task definition family), what it needs (AWS CLI, jq, curl),
# collectd shipping metrics to Librato, and the secrets, readable by root only.
# CONVOX_AMI_ROOT and CONVOX_AMI_OWNER let tests run it in a sandbox.
set -eu

files=${CONVOX_AMI_FILES:-/tmp/convox-ami}
root=${CONVOX_AMI_ROOT:-}
owner=${CONVOX_AMI_OWNER:-root:root}
: "${LIBRATO_EMAIL:?LIBRATO_EMAIL is required}"
: "${LIBRATO_TOKEN:?LIBRATO_TOKEN is required}"
: "${LOGSPOUT_TOKEN:?LOGSPOUT_TOKEN is required}"
env_name=${CONVOX_AMI_ENV:-}
task_definition=${LOGSPOUT_TASK_DEFINITION:-logspout-$env_name}

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

# Both values go unquoted into a file that systemd and sh read; the env also names the collectd host.
case $env_name in
'' | *[!a-z0-9-]*) fail "CONVOX_AMI_ENV must be lowercase letters, digits and hyphens, not '$env_name'" ;;
esac
case $task_definition in
*[!A-Za-z0-9_:/.-]*) fail "LOGSPOUT_TASK_DEFINITION must be a task definition family, family:revision or ARN, not '$task_definition'" ;;
esac

set --
command -v aws >/dev/null 2>&1 || set -- "$@" awscli
command -v jq >/dev/null 2>&1 || set -- "$@" jq
command -v curl >/dev/null 2>&1 || set -- "$@" curl
if [ "$#" -gt 0 ]; then
	log "installing $*"
	yum install -y "$@"
fi

if ! command -v collectd >/dev/null 2>&1 && [ ! -x "$root/usr/sbin/collectd" ]; then
	log 'installing collectd'
	yum install -y collectd ||
		yum install -y --enablerepo=epel collectd ||
		{ command -v amazon-linux-extras >/dev/null 2>&1 && amazon-linux-extras install -y collectd; } ||
		fail "collectd is not available from this base image's repositories"
fi
# Some repositories ship write_http as its own package; where it is built in this fails harmlessly.
yum install -y collectd-write_http >/dev/null 2>&1 || true
if [ ! -e "$root/usr/lib64/collectd/write_http.so" ] && [ ! -e "$root/usr/lib/collectd/write_http.so" ]; then
	fail 'the collectd write_http plugin is missing'
fi

mkdir -p "$root/etc/collectd.d" "$root/etc/convox-ami" "$root/usr/local/sbin"
chmod 0755 "$root/etc/collectd.d" "$root/etc/convox-ami"
umask 077
if ! grep -Eq '^[[:space:]]*Include[[:space:]]+"?/etc/collectd\.d' "$root/etc/collectd.conf"; then
	printf '\nInclude "/etc/collectd.d"\n' >>"$root/etc/collectd.conf"
fi

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

printf '%s\n' "$LOGSPOUT_TOKEN" >"$root/etc/convox-ami/logspout-token.tmp"
install_file 0600 "$root/etc/convox-ami/logspout-token"

printf 'CONVOX_AMI_ENV=%s\nCONVOX_AMI_VERSION=%s\nCONVOX_VERSION=%s\n' \
	"${CONVOX_AMI_ENV:-}" "${CONVOX_AMI_VERSION:-}" "${CONVOX_VERSION:-}" >"$root/etc/convox-ami/release.tmp"
install_file 0644 "$root/etc/convox-ami/release"

printf 'CONVOX_AMI_ENV=%s\nLOGSPOUT_TASK_DEFINITION=%s\n' "$env_name" "$task_definition" >"$root/etc/convox-ami/first-boot.env.tmp"
install_file 0600 "$root/etc/convox-ami/first-boot.env"

cp "$files/convox-ami-first-boot.sh" "$root/usr/local/sbin/convox-ami-first-boot.tmp"
install_file 0755 "$root/usr/local/sbin/convox-ami-first-boot"

if [ -d "$root/run/systemd/system" ]; then
	log 'systemd: installing convox-ami-first-boot.service; collectd starts once the first boot has named the instance'
	mkdir -p "$root/etc/systemd/system"
	cp "$files/convox-ami-first-boot.service" "$root/etc/systemd/system/convox-ami-first-boot.service.tmp"
	install_file 0644 "$root/etc/systemd/system/convox-ami-first-boot.service"
	systemctl daemon-reload
	systemctl enable convox-ami-first-boot.service
	systemctl disable collectd
elif command -v initctl >/dev/null 2>&1 && initctl version | grep -q upstart; then
	log 'upstart: installing /etc/init/convox-ami-first-boot.conf; collectd starts once the first boot has named the instance'
	mkdir -p "$root/etc/init"
	cp "$files/convox-ami-first-boot.conf" "$root/etc/init/convox-ami-first-boot.conf.tmp"
	install_file 0644 "$root/etc/init/convox-ami-first-boot.conf"
	chkconfig collectd off
else
	fail 'neither systemd nor upstart runs this base image; cannot install the first-boot job'
fi
log 'done'
