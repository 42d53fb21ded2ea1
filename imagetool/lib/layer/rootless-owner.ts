/**
 * Owners a rootless unpack cannot give a file, kept in the file's `user.rootlesscontainers` xattr
 * as umoci `unpack --rootless` keeps them (rootlesscontaine.rs: the protobuf
 * `message Resource { uint32 uid = 1; uint32 gid = 2; }`, ids as the container sees them), so
 * that umoci, PRoot-based runners and a later `commit` can read them back. An xattr, not a map
 * file beside the snapshot: it travels with the file through the copy snapshotter's `cp -a`, a
 * hardlink and a rename, and needs no bookkeeping per snapshot. Symlinks cannot carry user.*
 * xattrs (xattr(7)): a symlink's owner, which nothing checks, is the one thing not kept.
 *
 * - single-id (no /etc/subuid range: the user's own uid is the container's root): nothing is
 *   chowned; every new inode is root:root inside, and any other owner goes into the xattr.
 * - user namespace (userns-reexec.ts, the user's subuid range mapped as podman maps it): chown
 *   works for every mapped id; an id outside the map (EINVAL) goes into the xattr.
 */
import { errnoOf } from "../../../common/errors.ts";
import { ownershipMode } from "../sys/rootless.ts";

export const ROOTLESS_XATTR = "user.rootlesscontainers";

function varint(n: number, out: number[]): void {
  for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  out.push(n);
}

/** The Resource message; proto3 leaves out fields that are 0 (root). */
export function encodeOwner(uid: number, gid: number): Uint8Array {
  const out: number[] = [];
  if (uid !== 0) out.push(0x08), varint(uid, out);
  if (gid !== 0) out.push(0x10), varint(gid, out);
  return Uint8Array.from(out);
}

export function decodeOwner(b: Uint8Array): { uid: number; gid: number } {
  const r = { uid: 0, gid: 0 };
  for (let i = 0; i < b.length; ) {
    const key = b[i++]!;
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const byte = b[i++];
      if (byte === undefined) throw new Error(`${ROOTLESS_XATTR}: truncated varint`);
      v += (byte & 0x7f) * shift;
      if (byte < 0x80) break;
    }
    if (key === 0x08) r.uid = v;
    else if (key === 0x10) r.gid = v;
    else throw new Error(`${ROOTLESS_XATTR}: unexpected field key 0x${key.toString(16)}`);
  }
  return r;
}

/**
 * Gives an entry its owner: chown as root; otherwise what the mode above says. `keep` sets the
 * xattr to the value, or removes it (undefined: the owner is root:root, what the inode shows).
 */
export function chownOrKeep(owner: { uid: number; gid: number }, chown: () => void, keep: (value: Uint8Array | undefined) => void): void {
  const mode = ownershipMode();
  if (mode !== "single") {
    try {
      chown();
      return;
    } catch (e) {
      if (mode === "root" || errnoOf(e) !== "EINVAL") throw e;
    }
  }
  keep(owner.uid === 0 && owner.gid === 0 ? undefined : encodeOwner(owner.uid, owner.gid));
}
