/**
 * The original kept everything in btrfs subvolumes under /var/bocker. With BOCKER_ROOT on btrfs
 * the imagetool picks its btrfs snapshotter, and the session works the same: containers are
 * subvolume snapshots of the image, commit carries a change into the image, rm removes them.
 */
import { afterEach, expect, test } from "bun:test";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { mountLoopBtrfs } from "../imagetool/snapshot-btrfs-fixture.ts";
import { containerIds, startBocker } from "./bocker-fixture.ts";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const subvolumes = (mnt: string) => Bun.spawnSync(["btrfs", "subvolume", "list", "-o", mnt]).stdout.toString().split("\n").filter(Boolean).length;

describeRoot("bocker on btrfs, like the original", () => {
  test("run, commit and rm with BOCKER_ROOT on a btrfs filesystem", async () => {
    const mnt = mountLoopBtrfs(cleanup);
    const b = startBocker(cleanup, mnt);
    const img = await b.busyboxImage();
    expect(await b.ok(["run", img, "sh", "-c", "echo committed > /etc/motd; cat /etc/motd"])).toBe("committed\n");
    const [writer] = await containerIds(b);
    expect(await b.ok(["commit", writer!, img])).toBe(`Removed: ${img}\nCreated: ${img}\n`);
    expect(await b.ok(["run", img, "cat", "/etc/motd"])).toBe("committed\n");
    const withContainers = subvolumes(mnt);
    const containers = await containerIds(b);
    expect(containers.length).toBe(2);
    for (const id of containers) await b.ok(["rm", id]);
    // Each container was one subvolume; what remains are the image's layers.
    expect(subvolumes(mnt)).toBe(withContainers - 2);
    expect(await containerIds(b)).toEqual([]);
  }, 60_000);
});
