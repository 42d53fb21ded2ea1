#!/bin/sh
# Builds bundles/busybox/rootfs from the host's busybox-static (Debian: apt-get install busybox-static),
# so the repository holds no binaries. Usage: bundles/busybox/make-rootfs.sh [DIR]
set -eu
dir=${1:-$(dirname "$0")/rootfs}
busybox=$(command -v busybox || echo /bin/busybox)
[ -x "$busybox" ] || { echo "busybox not found: install busybox-static" >&2; exit 1; }
mkdir -p "$dir"
for d in bin sbin usr/bin usr/sbin etc proc sys dev tmp root home var run; do mkdir -p "$dir/$d"; done
chmod 1777 "$dir/tmp"
cp "$busybox" "$dir/bin/busybox"
chmod 755 "$dir/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$dir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/etc/group"
echo busybox > "$dir/etc/hostname"
echo "rootfs ready: $dir"
