#!/usr/bin/env bash
# First boot of a Convox rack instance, exactly once per instance:
# 1. names this instance aws.<env>.<instance-id> for collectd (the host every metric carries), then
#    enables and restarts collectd, so that no metric leaves under another name;
# 2. once the ECS agent has registered this instance, starts the logspout task on it, handing the
#    logspout token to the container as LOGSPOUT_TOKEN.
# Each step leaves a marker that names the instance id: on a later boot of the same instance the
# script does nothing, and a marker of another instance (an image made from a running instance) is
# ignored. Installed as /usr/local/sbin/convox-ami-first-boot and run at every boot by a systemd
# unit or an upstart job, both of which read CONVOX_AMI_ENV and LOGSPOUT_TASK_DEFINITION from
# /etc/convox-ami/first-boot.env.
# Every path, URL and interval can be overridden by the environment so that the script can be
# exercised outside an instance.
set -euo pipefail
umask 077

log() {
	printf '%s convox-ami-first-boot: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

if [ -z "${CONVOX_AMI_ENV:-}" ]; then
	log 'CONVOX_AMI_ENV is not set: run this through the convox-ami-first-boot service, which reads /etc/convox-ami/first-boot.env'
	exit 1
fi
env_name=$CONVOX_AMI_ENV
task_definition=${LOGSPOUT_TASK_DEFINITION:-logspout-$env_name}
container_name=${LOGSPOUT_CONTAINER_NAME:-logspout}
token_file=${LOGSPOUT_TOKEN_FILE:-/etc/convox-ami/logspout-token}
agent_url=${ECS_AGENT_URL:-http://localhost:51678}
metadata_url=${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254}
metadata_url=${metadata_url%/}
collectd_dir=${COLLECTD_CONF_DIR:-/etc/collectd.d}
state_dir=${CONVOX_AMI_STATE_DIR:-/var/lib/convox-ami}
poll_seconds=${CONVOX_AMI_POLL_SECONDS:-5}
retry_seconds=${CONVOX_AMI_RETRY_SECONDS:-15}
hostname_marker="$state_dir/collectd-hostname"
marker="$state_dir/logspout-started"
overrides_file="$state_dir/start-task-overrides.json"

mkdir -p "$state_dir"
# A second copy started by hand while the job runs waits here, then finds the markers.
exec 9>"$state_dir/first-boot.lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi

instance_id() {
	local imds_token id
	# IMDSv2 first; a base or an endpoint without session tokens answers the plain IMDSv1 request.
	if imds_token=$(curl -fsS --max-time 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$metadata_url/latest/api/token" 2>/dev/null); then
		id=$(curl -fsS --max-time 2 -H "X-aws-ec2-metadata-token: $imds_token" "$metadata_url/latest/meta-data/instance-id" 2>/dev/null)
	else
		id=$(curl -fsS --max-time 2 "$metadata_url/latest/meta-data/instance-id" 2>/dev/null)
	fi
	[[ $id =~ ^i-[0-9a-f]{8,17}$ ]] && printf '%s' "$id"
}

restart_collectd() {
	if command -v systemctl >/dev/null 2>&1; then
		systemctl enable collectd && systemctl restart collectd
	elif command -v service >/dev/null 2>&1; then
		chkconfig collectd on && service collectd restart
	else
		log 'neither systemctl nor service is available to restart collectd'
		return 1
	fi
}

instance=''
wait_for_instance_id() {
	until instance=$(instance_id); do
		log "waiting for the instance metadata service ($metadata_url) to tell the instance id"
		sleep "$poll_seconds"
	done
}

# marked MARKER: succeeds when MARKER was left on this instance; its first word is the instance id.
marked() {
	local id=''
	[ -s "$1" ] || return 1
	read -r id _ <"$1" || true
	[ "$id" = "$instance" ] && return 0
	log "$1 was left by instance $id, not by this one ($instance): doing its step again"
	return 1
}

name_collectd_host() {
	if marked "$hostname_marker"; then
		log "collectd already reports as $(cut -d' ' -f2 "$hostname_marker")"
		return 0
	fi
	local host="aws.$env_name.$instance"
	mkdir -p "$collectd_dir"
	printf 'Hostname "%s"\n' "$host" >"$collectd_dir/hostname.conf.tmp"
	chmod 0644 "$collectd_dir/hostname.conf.tmp"
	mv "$collectd_dir/hostname.conf.tmp" "$collectd_dir/hostname.conf"
	# A collectd that fails to restart must not hold back the logs: it reads the name when it starts.
	if restart_collectd; then
		log "collectd reports as $host"
	else
		log "collectd did not restart; it will report as $host once it runs"
	fi
	printf '%s %s\n' "$instance" "$host" >"$hostname_marker"
}

# The token goes to the container as an override read from a root-only file, so it is never on a
# command line; every line logged is scrubbed of it.
token=''
if [ -s "$token_file" ]; then
	token=$(cat "$token_file")
fi
scrub() {
	if [ -n "$token" ]; then
		printf '%s' "${1//"$token"/***}"
	else
		printf '%s' "$1"
	fi
}

start_logspout() {
	if marked "$marker"; then
		log "logspout was already started on this instance ($(cut -d' ' -f2- "$marker")); nothing to do"
		return 0
	fi
	local metadata cluster='' instance_arn=''
	until metadata=$(curl -fsS --max-time 5 "$agent_url/v1/metadata" 2>/dev/null) &&
		cluster=$(jq -er '.Cluster // empty' <<<"$metadata") &&
		instance_arn=$(jq -er '.ContainerInstanceArn // empty' <<<"$metadata"); do
		log "waiting for the ECS agent to register this instance ($agent_url/v1/metadata)"
		sleep "$poll_seconds"
	done
	log "ECS agent ready: cluster $cluster, container instance $instance_arn"

	# startedBy allows at most 36 letters, digits, hyphens and underscores: the container instance id
	# (a UUID, or 32 hex digits in the long ARN format) fits and names this instance.
	local started_by=${instance_arn##*/}
	started_by=${started_by//[^A-Za-z0-9_-]/}
	started_by=${started_by:0:36}

	local region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
	if [ -z "$region" ]; then
		region=$(cut -d: -f4 <<<"$instance_arn")
	fi
	if [ -z "$region" ]; then
		log 'cannot tell the region: set AWS_REGION'
		exit 1
	fi

	local overrides=()
	if [ -n "$token" ]; then
		printf '%s' "$token" |
			jq -Rsc --arg name "$container_name" '{containerOverrides: [{name: $name, environment: [{name: "LOGSPOUT_TOKEN", value: .}]}]}' >"$overrides_file"
		overrides=(--overrides "file://$overrides_file")
	else
		log "no logspout token in $token_file: starting $task_definition without LOGSPOUT_TOKEN"
	fi

	local response task_arn
	until response=$(aws ecs start-task \
		--cluster "$cluster" \
		--task-definition "$task_definition" \
		--container-instances "$instance_arn" \
		--started-by "$started_by" \
		${overrides[@]+"${overrides[@]}"} \
		--region "$region" \
		--output json 2>&1) &&
		task_arn=$(jq -er '.tasks[0].taskArn // empty' <<<"$response" 2>/dev/null); do
		log "start-task of $task_definition did not start a task; retrying in ${retry_seconds}s: $(scrub "$(tr '\n' ' ' <<<"$response")")"
		sleep "$retry_seconds"
	done
	rm -f "$overrides_file"

	printf '%s %s %s\n' "$instance" "$instance_arn" "$task_arn" >"$marker.tmp"
	mv "$marker.tmp" "$marker"
	log "started $task_arn on $instance_arn"
}

trap 'rm -f "$overrides_file"' EXIT
wait_for_instance_id
name_collectd_host
start_logspout
