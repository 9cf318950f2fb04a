#!/bin/sh
# Runs as root, last, on the build instance: leaves nothing of the build instance's identity in the
# AMI, so that every instance launched from it registers afresh and runs its first-boot logic.
# CONVOX_AMI_ROOT lets tests run it in a sandbox.
set -eu

files=${CONVOX_AMI_FILES:-/tmp/convox-ami}
root=${CONVOX_AMI_ROOT:-}

# The first-boot markers and collectd's host name belong to one instance.
rm -rf "$files" "$root/var/lib/convox-ami" "$root/etc/collectd.d/hostname.conf"

# The ECS agent's saved state would make launched instances reuse the build instance's registration.
if [ -d "$root/run/systemd/system" ]; then
	systemctl stop ecs 2>/dev/null || true
elif command -v stop >/dev/null 2>&1; then
	stop ecs 2>/dev/null || true
fi
rm -rf "$root"/var/lib/ecs/data/*

# cloud-init runs its per-instance modules again only for an instance it has not seen.
if cloud-init clean --help >/dev/null 2>&1; then
	cloud-init clean --logs
else
	rm -rf "$root"/var/lib/cloud/instances/* "$root/var/lib/cloud/instance" "$root"/var/lib/cloud/sem/*
fi

# Packer's throwaway key: launched instances get their own key from cloud-init.
rm -f "$root"/home/*/.ssh/authorized_keys "$root/root/.ssh/authorized_keys"
echo 'convox-ami cleanup: done'
