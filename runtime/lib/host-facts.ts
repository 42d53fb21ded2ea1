/** What the plan compiler needs to know about the host, read here so compile.ts stays pure. */
import { readFileSync, readdirSync, statSync } from "node:fs";
import type { CgroupLayout, SourceKind } from "./linux/mounts.ts";

export function sourceKind(path: string): SourceKind {
  try {
    return statSync(path).isDirectory() ? "dir" : "file";
  } catch {
    return "missing";
  }
}

/** The cgroup hierarchies under /sys/fs/cgroup, from /proc/self/mountinfo (proc(5)). */
export function readCgroupLayout(): CgroupLayout {
  const layout: CgroupLayout = { unified: false, v1: [], hybridUnified: false };
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!pre || !post) continue;
    const mountPoint = pre.split(" ")[4] ?? "";
    const [fstype, , superOptions = ""] = post.split(" ");
    if (!mountPoint.startsWith("/sys/fs/cgroup")) continue;
    if (fstype === "cgroup2") {
      if (mountPoint === "/sys/fs/cgroup") layout.unified = true;
      else layout.hybridUnified = true;
    } else if (fstype === "cgroup") {
      const opts = superOptions.split(",").filter((o) => o !== "rw" && o !== "ro" && o !== "xattr" && !o.startsWith("release_agent") && o !== "clone_children" && o !== "nsdelegate");
      if (opts.length > 0) layout.v1.push(opts.join(","));
    }
  }
  return layout;
}
