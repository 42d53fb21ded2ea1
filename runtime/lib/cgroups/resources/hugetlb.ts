/**
 * linux.resources.hugepageLimits → hugetlb.<size>.limit_in_bytes (v1) or hugetlb.<size>.max (v2),
 * plus the reservation counterpart (.rsvd.) when the kernel has it, as runc does. A page size the
 * host does not have (no such file) is an error.
 */
import type { CgroupWrite, TranslateContext } from "../types.ts";
import { invalid, num, requireController, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/hugepageLimits`;

export function hugetlbWrites(limits: Array<{ pageSize: string; limit: number }> | undefined, ctx: TranslateContext): CgroupWrite[] {
  if (!limits || limits.length === 0) return [];
  const version = requireController(ctx, "hugetlb", P);
  const out: CgroupWrite[] = [];
  limits.forEach((l, i) => {
    const at = `${P}/${i}`;
    const [file, rsvd] =
      version === 1
        ? [`hugetlb.${l.pageSize}.limit_in_bytes`, `hugetlb.${l.pageSize}.rsvd.limit_in_bytes`]
        : [`hugetlb.${l.pageSize}.max`, `hugetlb.${l.pageSize}.rsvd.max`];
    if (!ctx.hasFile("hugetlb", file)) {
      throw invalid(`${at}/pageSize`, `hugepage size ${l.pageSize} is not supported by this host (no ${file})`);
    }
    out.push(write("hugetlb", file, num(l.limit), `hugepage limit for ${l.pageSize}`, `${at}/limit`));
    if (ctx.hasFile("hugetlb", rsvd)) {
      out.push(write("hugetlb", rsvd, num(l.limit), `hugepage reservation limit for ${l.pageSize}`, `${at}/limit`));
    }
  });
  return out;
}
