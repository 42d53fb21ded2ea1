/**
 * Builds a minimal busybox root filesystem from the host's busybox-static: bocker's default image
 * (`npm run demo` turns it into an image with `bocker init`), and the root filesystem the tests
 * and the conformance suite run, so nothing needs a registry or the network.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const HOST_BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find((p) => existsSync(p)) ?? "/bin/busybox";

export function busyboxApplets(): string[] {
  const r = Bun.spawnSync([HOST_BUSYBOX, "--list"]);
  if (r.exitCode !== 0) throw new Error(`${HOST_BUSYBOX} --list failed: is busybox-static installed?`);
  return r.stdout.toString().split("\n").filter((a) => a && a !== "busybox");
}

/** Populates dir (created if needed) with busybox, its applet links and a few /etc files. */
export function makeBusyboxRootfs(dir: string): string {
  for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "root", "home", "var", "run"]) {
    mkdirSync(join(dir, d), { recursive: true });
  }
  chmodSync(join(dir, "tmp"), 0o1777);
  copyFileSync(HOST_BUSYBOX, join(dir, "bin", "busybox"));
  chmodSync(join(dir, "bin", "busybox"), 0o755);
  for (const applet of busyboxApplets()) {
    const link = join(dir, "bin", applet);
    if (!existsSync(link)) symlinkSync("busybox", link);
  }
  writeFileSync(join(dir, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  writeFileSync(join(dir, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
  writeFileSync(join(dir, "etc", "hostname"), "busybox\n");
  return dir;
}
