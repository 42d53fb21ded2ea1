/** seccompFeatures: the spec vocabulary narrowed to what libseccomp and the kernel support. */
import { expect, test } from "bun:test";
import { seccompFeatures } from "../../../../../runtime/lib/seccomp/features.ts";
import { kernelAcceptsFilterFlags, libseccompVersion } from "../../../../../runtime/lib/seccomp/libseccomp.ts";
import { FILTER_FLAG } from "../../../../../runtime/lib/seccomp/names.ts";

test("lists every action and operator, and only the architectures libseccomp has", () => {
  const features = seccompFeatures();
  expect(features.enabled).toBe(true);
  expect(features.actions).toContain("SCMP_ACT_KILL_PROCESS");
  expect(features.actions).toHaveLength(9);
  expect(features.operators).toEqual(["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"]);
  expect(features.archs).toContain("SCMP_ARCH_X86_64");
  expect(features.archs).toContain("SCMP_ARCH_AARCH64");
  if (libseccompVersion() < "2.6") expect(features.archs).not.toContain("SCMP_ARCH_M68K");
  expect(libseccompVersion()).toMatch(/^\d+\.\d+\.\d+$/);
});

test("supported flags are the known ones the running kernel accepts", () => {
  const { knownFlags, supportedFlags } = seccompFeatures();
  expect(knownFlags).toEqual(["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]);
  for (const flag of supportedFlags ?? []) expect(knownFlags).toContain(flag);
  expect(supportedFlags).toContain("SECCOMP_FILTER_FLAG_LOG"); // Linux 4.14
});

test("the kernel probe tells known flags from unknown ones and catches invalid combinations", () => {
  expect(kernelAcceptsFilterFlags(FILTER_FLAG.LOG)).toBe(true);
  expect(kernelAcceptsFilterFlags(1 << 20)).toBe(false);
  expect(kernelAcceptsFilterFlags(FILTER_FLAG.TSYNC | FILTER_FLAG.NEW_LISTENER)).toBe(false);
  expect(kernelAcceptsFilterFlags(FILTER_FLAG.TSYNC | FILTER_FLAG.NEW_LISTENER | FILTER_FLAG.TSYNC_ESRCH)).toBe(true);
});
