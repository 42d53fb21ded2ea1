/**
 * linux.resources.unified: raw cgroup v2 "file → value" pairs, written last so they override the
 * translated values (runc setUnified). Keys are file names "<controller>.<param>"; a key whose
 * controller is not on the v2 hierarchy is an error (on a hybrid host only v2's own controllers
 * and the core "cgroup.*" files qualify). Multi-line values are written one line per write, as the
 * kernel parses one line per write(2) (runc WriteFileByLine).
 */
import type { CgroupWrite, TranslateContext } from "../types.ts";
import { invalid, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/unified`;

export function unifiedWrites(unified: Record<string, string> | undefined, ctx: TranslateContext): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  for (const [key, value] of Object.entries(unified ?? {})) {
    const at = `${P}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (key.includes("/") || key === "." || key === "..") throw invalid(at, `unified resource "${key}" must be a file name (no slashes)`);
    const dot = key.indexOf(".");
    if (dot <= 0 || dot === key.length - 1) throw invalid(at, `unified resource "${key}" must be in the form CONTROLLER.PARAMETER`);
    const controller = key.slice(0, dot);
    if (ctx.versionOf("cgroup") !== 2) throw invalid(at, `unified resource "${key}" needs cgroup v2, which this host does not mount`);
    if (controller !== "cgroup" && ctx.versionOf(controller) !== 2) {
      const where = ctx.versionOf(controller) === 1 ? "is on a cgroup v1 hierarchy on this host" : "is not available on this host";
      throw invalid(at, `unified resource "${key}" can't be set: controller "${controller}" ${where}`);
    }
    for (const line of value.split("\n").filter((l) => l.length > 0)) {
      out.push(write(controller, key, line, `unified resource ${key}`, at));
    }
  }
  return out;
}
