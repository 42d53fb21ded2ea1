/** Disk usage of a tree: allocated bytes and inodes, hardlinked inodes counted once (like du). */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Usage } from "./snapshotter.ts";

export function diskUsage(root: string): Usage {
  const seen = new Set<string>();
  let size = 0;
  const visit = (p: string) => {
    const st = lstatSync(p, { bigint: true });
    const id = `${st.dev}:${st.ino}`;
    if (!seen.has(id)) {
      seen.add(id);
      size += Number(st.blocks) * 512;
    }
    if (st.isDirectory()) for (const c of readdirSync(p)) visit(join(p, c));
  };
  visit(root);
  return { size, inodes: seen.size };
}
