/** linux.resources.pids → pids.max (same file on v1 and v2). runc: a limit <= 0 means "max". */
import type { CgroupWrite, TranslateContext } from "../types.ts";
import { num, requireController, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/pids/limit`;

export function pidsWrites(pids: { limit?: number } | undefined, ctx: TranslateContext): CgroupWrite[] {
  if (pids?.limit === undefined) return [];
  requireController(ctx, "pids", P);
  return [write("pids", "pids.max", pids.limit > 0 ? num(pids.limit) : "max", "pids limit", P)];
}
