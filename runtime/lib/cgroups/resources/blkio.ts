/**
 * linux.resources.blockIO → blkio (v1) or io (v2) writes. v1 follows runc fs/blkio.go, including the
 * switch to the blkio.bfq.* files when the BFQ scheduler provides them (CFQ's blkio.weight is gone
 * since Linux 5.0); v2 follows fs2/io.go (io.bfq.weight, else io.weight converted; io.max throttles).
 * Where runc drops a setting silently (per-device weights on v2 without BFQ), this is an error.
 */
import type { CgroupWrite, TranslateContext } from "../types.ts";
import type { BlockIO, BlockIOThrottle } from "../../spec-types.ts";
import { devNumber, invalid, num, requireController, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/blockIO`;
const THROTTLES = [
  ["throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps", "read bps"],
  ["throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps", "write bps"],
  ["throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops", "read iops"],
  ["throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops", "write iops"],
] as const;

/** runc ConvertBlkIOToIOWeightValue: [10, 1000] linearly onto [1, 10000]. */
export function blkioWeightToIoWeight(weight: number): number {
  return weight === 0 ? 0 : 1 + Math.floor(((weight - 10) * 9999) / 990);
}

function isSet(b: BlockIO): boolean {
  return !!b.weight || !!b.leafWeight || (b.weightDevice?.length ?? 0) > 0 || THROTTLES.some(([k]) => (b[k]?.length ?? 0) > 0);
}

export function blkioWrites(b: BlockIO | undefined, ctx: TranslateContext): CgroupWrite[] {
  if (!b || !isSet(b)) return [];
  const controller = ctx.versionOf("blkio") !== undefined ? "blkio" : "io";
  const version = requireController(ctx, controller, P);
  return version === 1 ? v1Writes(b, ctx) : v2Writes(b, ctx, controller);
}

function v1Writes(b: BlockIO, ctx: TranslateContext): CgroupWrite[] {
  const bfq = ctx.hasFile("blkio", "blkio.bfq.weight");
  const weightFile = bfq ? "blkio.bfq.weight" : "blkio.weight";
  const weightDeviceFile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
  const out: CgroupWrite[] = [];
  if (b.weight) out.push(write("blkio", weightFile, num(b.weight), "blkio weight", `${P}/weight`));
  if (b.leafWeight) out.push(write("blkio", "blkio.leaf_weight", num(b.leafWeight), "blkio leaf weight", `${P}/leafWeight`));
  (b.weightDevice ?? []).forEach((d, i) => {
    const at = `${P}/weightDevice/${i}`;
    if (d.weight) out.push(write("blkio", weightDeviceFile, `${devNumber(d)} ${num(d.weight)}`, "blkio device weight", `${at}/weight`));
    if (d.leafWeight) {
      out.push(write("blkio", "blkio.leaf_weight_device", `${devNumber(d)} ${num(d.leafWeight)}`, "blkio device leaf weight", `${at}/leafWeight`));
    }
  });
  for (const [key, file, , what] of THROTTLES) {
    (b[key] ?? []).forEach((d: BlockIOThrottle, i) => {
      out.push(write("blkio", file, `${devNumber(d)} ${num(d.rate ?? 0)}`, `blkio throttle ${what}`, `${P}/${key}/${i}`));
    });
  }
  return out;
}

function v2Writes(b: BlockIO, ctx: TranslateContext, controller: string): CgroupWrite[] {
  if (b.leafWeight) throw invalid(`${P}/leafWeight`, "blkio leaf weights are not supported by cgroup v2");
  const bfq = ctx.hasFile(controller, "io.bfq.weight");
  const out: CgroupWrite[] = [];
  if (b.weight) {
    out.push(
      bfq
        ? write(controller, "io.bfq.weight", num(b.weight), "io weight", `${P}/weight`)
        : write(controller, "io.weight", num(blkioWeightToIoWeight(b.weight)), "io weight (from blkio weight)", `${P}/weight`),
    );
  }
  (b.weightDevice ?? []).forEach((d, i) => {
    const at = `${P}/weightDevice/${i}`;
    if (d.leafWeight) throw invalid(`${at}/leafWeight`, "blkio leaf weights are not supported by cgroup v2");
    if (!d.weight) return;
    // Only BFQ takes per-device weights on v2 (io.bfq.weight "MAJ:MIN WEIGHT").
    if (!bfq) throw invalid(`${at}/weight`, "per-device io weights need the BFQ scheduler (io.bfq.weight is missing)");
    out.push(write(controller, "io.bfq.weight", `${devNumber(d)} ${num(d.weight)}`, "io device weight", `${at}/weight`));
  });
  for (const [key, , v2key, what] of THROTTLES) {
    (b[key] ?? []).forEach((d: BlockIOThrottle, i) => {
      out.push(write(controller, "io.max", `${devNumber(d)} ${v2key}=${num(d.rate ?? 0)}`, `io throttle ${what}`, `${P}/${key}/${i}`));
    });
  }
  return out;
}
