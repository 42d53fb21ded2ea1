/** linux.resources.rdma → rdma.max "DEVICE hca_handle=N hca_object=M" (v1 and v2, runc fscommon/rdma.go). */
import type { CgroupWrite, TranslateContext } from "../types.ts";
import type { LinuxResources } from "../../spec-types.ts";
import { num, requireController, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/rdma`;

export function rdmaWrites(rdma: LinuxResources["rdma"], ctx: TranslateContext): CgroupWrite[] {
  const entries = Object.entries(rdma ?? {});
  if (entries.length === 0) return [];
  requireController(ctx, "rdma", P);
  return entries.map(([device, l]) => {
    let value = device;
    if (l.hcaHandles !== undefined) value += ` hca_handle=${num(l.hcaHandles)}`;
    if (l.hcaObjects !== undefined) value += ` hca_object=${num(l.hcaObjects)}`;
    // JSON pointer escaping (RFC 6901) for device names containing "/" or "~".
    const key = device.replace(/~/g, "~0").replace(/\//g, "~1");
    return write("rdma", "rdma.max", value, `rdma limit of ${device}`, `${P}/${key}`);
  });
}
