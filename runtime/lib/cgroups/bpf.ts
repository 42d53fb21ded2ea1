/**
 * bpf(2) for the cgroup v2 device controller: load a BPF_PROG_TYPE_CGROUP_DEVICE program and put
 * it on a cgroup in place of the device programs attached there before, as runc does
 * (opencontainers/cgroups devices/ebpf_linux.go loadAttachCgroupDeviceFilter):
 *   query the programs attached to the cgroup itself (BPF_PROG_QUERY);
 *   exactly one: attach the new one with BPF_F_REPLACE, an atomic swap (Linux 5.6+; EINVAL on
 *     older kernels, which then take the next path);
 *   otherwise: attach with BPF_F_ALLOW_MULTI, then detach every old one. Until then both run and
 *     the kernel allows only what all of them allow, so the swap never opens a window.
 * Loaded lazily (dlopen costs start-up time) and only on hosts whose devices controller is v2.
 * bpf(2) keeps no per-thread state, so Bun's extra threads do not matter here.
 */
import { closeSync, constants, openSync } from "node:fs";
import { RuntimeError } from "../errors.ts";
import { addressOf, bufferSyscall } from "../sys/ffi.ts";
import { INSN_SIZE } from "./devices-bpf.ts";

const SYS_BPF: Partial<Record<NodeJS.Architecture, number>> = { x64: 321, arm64: 280 };

// enum bpf_cmd, bpf_prog_type, bpf_attach_type and attach flags of linux/bpf.h.
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_DETACH = 9;
const BPF_PROG_GET_FD_BY_ID = 13;
const BPF_OBJ_GET_INFO_BY_FD = 15;
const BPF_PROG_QUERY = 16;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
const BPF_F_REPLACE = 4;

/** Shown by `bpftool prog` and used by tests to recognise our programs (BPF_OBJ_NAME_LEN 16). */
export const DEVICE_PROGRAM_NAME = "bocker_devices";
/** Device programs call no helper at all, so the license does not matter; runc says "Apache". */
const LICENSE = "Apache";
/** union bpf_attr, large enough for every field we set; the kernel wants the tail zeroed. */
const ATTR_SIZE = 128;


/** The errno name of a failed call, or the result. */
function bpf(cmd: number, attr: DataView): { ret: number; errno?: string } {
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new RuntimeError("IO", `cgroup v2 device programs are not supported on ${process.arch}`);
  return bufferSyscall(nr, cmd, new Uint8Array(attr.buffer, 0, attr.byteLength));
}

function fail(what: string, dir: string, errno: string, detail = ""): RuntimeError {
  return new RuntimeError("IO", `${what} for ${dir}: ${errno}${detail}`, { path: dir, errno });
}

function load(program: Uint8Array, dir: string): number {
  const license = Buffer.from(`${LICENSE}\0`);
  const attr = new DataView(new ArrayBuffer(ATTR_SIZE));
  attr.setUint32(0, BPF_PROG_TYPE_CGROUP_DEVICE, true);
  attr.setUint32(4, program.length / INSN_SIZE, true);
  attr.setBigUint64(8, addressOf(program), true);
  attr.setBigUint64(16, addressOf(license), true);
  Buffer.from(attr.buffer).write(DEVICE_PROGRAM_NAME, 48);
  const first = bpf(BPF_PROG_LOAD, attr);
  if (!first.errno) return first.ret;
  // Load again with the verifier's log, for the error message (crun does the same).
  const log = Buffer.alloc(64 * 1024);
  attr.setUint32(24, 1, true);
  attr.setUint32(28, log.length, true);
  attr.setBigUint64(32, addressOf(log), true);
  const again = bpf(BPF_PROG_LOAD, attr);
  if (!again.errno) return again.ret;
  // The first errno is the one that matters (a log that did not fit adds ENOSPC).
  const text = log.subarray(0, Math.max(0, log.indexOf(0))).toString().trim();
  throw fail("cannot load the device eBPF program (bpf BPF_PROG_LOAD)", dir, first.errno, text ? `: ${text}` : "");
}

/** IDs of the device programs attached to the cgroup itself (not inherited ones). */
function query(dirFd: number, dir: string): number[] {
  for (let size = 64; ; size *= 2) {
    const ids = new Uint32Array(size);
    const attr = new DataView(new ArrayBuffer(ATTR_SIZE));
    attr.setUint32(0, dirFd, true);
    attr.setUint32(4, BPF_CGROUP_DEVICE, true);
    attr.setBigUint64(16, addressOf(ids), true);
    attr.setUint32(24, size, true);
    const { errno } = bpf(BPF_PROG_QUERY, attr);
    // ENOSPC: more programs than room; prog_cnt now says how many.
    if (errno === "ENOSPC" && size < 4096) continue;
    if (errno) throw fail("cannot list the device eBPF programs (bpf BPF_PROG_QUERY)", dir, errno);
    return [...ids.subarray(0, attr.getUint32(24, true))];
  }
}

/** A descriptor for program `id`, or undefined if it went away meanwhile. */
function programFd(id: number, dir: string): number | undefined {
  const attr = new DataView(new ArrayBuffer(ATTR_SIZE));
  attr.setUint32(0, id, true);
  const { ret, errno } = bpf(BPF_PROG_GET_FD_BY_ID, attr);
  if (errno === "ENOENT") return undefined;
  if (errno) throw fail(`cannot open device eBPF program ${id} (bpf BPF_PROG_GET_FD_BY_ID)`, dir, errno);
  return ret;
}

function attachAttr(dirFd: number, progFd: number, flags: number, replaceFd = 0): DataView {
  const attr = new DataView(new ArrayBuffer(ATTR_SIZE));
  attr.setUint32(0, dirFd, true);
  attr.setUint32(4, progFd, true);
  attr.setUint32(8, BPF_CGROUP_DEVICE, true);
  attr.setUint32(12, flags, true);
  attr.setUint32(16, replaceFd, true);
  return attr;
}

function withFd<T>(fd: number, use: (fd: number) => T): T {
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

function openDir(dir: string): number {
  try {
    return openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    throw fail("cannot open the cgroup", dir, (err as { code?: string }).code ?? String(err));
  }
}

/** BPF_F_REPLACE of the single old program; false when the kernel lacks it or the old one went away. */
function replace(dirFd: number, progFd: number, oldId: number, dir: string): boolean {
  const oldFd = programFd(oldId, dir);
  if (oldFd === undefined) return false;
  return withFd(oldFd, () => {
    const { errno } = bpf(BPF_PROG_ATTACH, attachAttr(dirFd, progFd, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, oldFd));
    if (errno === "EINVAL" || errno === "ENOENT") return false;
    if (errno) throw fail("cannot attach the device eBPF program (bpf BPF_PROG_ATTACH, BPF_F_REPLACE)", dir, errno);
    return true;
  });
}

function detach(dirFd: number, oldId: number, dir: string): void {
  const oldFd = programFd(oldId, dir);
  if (oldFd === undefined) return;
  withFd(oldFd, () => {
    const { errno } = bpf(BPF_PROG_DETACH, attachAttr(dirFd, oldFd, 0));
    if (errno && errno !== "ENOENT") throw fail(`cannot detach the old device eBPF program ${oldId} (bpf BPF_PROG_DETACH)`, dir, errno);
  });
}

/** Attaches `program` to the cgroup directory `dir`, replacing the device programs already there. */
export function attachDeviceProgram(dir: string, program: Uint8Array): void {
  withFd(openDir(dir), (dirFd) =>
    withFd(load(program, dir), (progFd) => {
      const old = query(dirFd, dir);
      if (old.length === 1 && replace(dirFd, progFd, old[0]!, dir)) return;
      const { errno } = bpf(BPF_PROG_ATTACH, attachAttr(dirFd, progFd, BPF_F_ALLOW_MULTI));
      if (errno) throw fail("cannot attach the device eBPF program (bpf BPF_PROG_ATTACH, BPF_F_ALLOW_MULTI)", dir, errno);
      for (const id of old) detach(dirFd, id, dir);
    }),
  );
}

export interface DeviceProgramInfo {
  id: number;
  name: string;
  /** The instructions as the kernel holds them after verification (xlated). */
  instructions: Uint8Array;
}

/** The device programs attached to the cgroup directory itself, as the kernel reports them. */
export function deviceProgramsOf(dir: string): DeviceProgramInfo[] {
  return withFd(openDir(dir), (dirFd) =>
    query(dirFd, dir).flatMap((id) => {
      const fd = programFd(id, dir);
      return fd === undefined ? [] : [withFd(fd, () => programInfo(fd, id, dir))];
    }),
  );
}

function programInfo(fd: number, id: number, dir: string): DeviceProgramInfo {
  const insns = new Uint8Array(64 * 1024);
  const info = new DataView(new ArrayBuffer(96)); // struct bpf_prog_info up to name and ifindex
  info.setUint32(20, insns.length, true); // xlated_prog_len
  info.setBigUint64(32, addressOf(insns), true); // xlated_prog_insns
  const attr = new DataView(new ArrayBuffer(ATTR_SIZE));
  attr.setUint32(0, fd, true);
  attr.setUint32(4, info.byteLength, true);
  attr.setBigUint64(8, addressOf(new Uint8Array(info.buffer)), true);
  const { errno } = bpf(BPF_OBJ_GET_INFO_BY_FD, attr);
  if (errno) throw fail(`cannot read device eBPF program ${id} (bpf BPF_OBJ_GET_INFO_BY_FD)`, dir, errno);
  const name = Buffer.from(info.buffer, 64, 16);
  const end = name.indexOf(0);
  return { id, name: name.subarray(0, end < 0 ? name.length : end).toString(), instructions: insns.slice(0, info.getUint32(20, true)) };
}
