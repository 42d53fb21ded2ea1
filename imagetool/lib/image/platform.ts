/**
 * Platforms (image-spec image-index.md `platform`) and choosing one manifest from an index, the way
 * containerd's platforms.Only matcher does for the common cases: os and architecture must match,
 * a requested variant must match (arm64 without a variant means v8), and a clear error lists what
 * the index offers otherwise.
 */
import { ImagetoolError } from "../errors.ts";
import type { Descriptor, Platform } from "./types.ts";

const NODE_ARCH_TO_OCI: Record<string, string> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
  mips64el: "mips64le",
};

export function hostPlatform(): Platform {
  const architecture = NODE_ARCH_TO_OCI[process.arch] ?? process.arch;
  return { os: "linux", architecture, ...(architecture === "arm" ? { variant: "v7" } : {}) };
}

/** Parses `os/arch[/variant]` (as --platform takes it). */
export function parsePlatform(spec: string): Platform {
  const parts = spec.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new ImagetoolError("INVALID_ARGUMENT", `invalid platform '${spec}': expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return { os, architecture: architecture === "x86_64" ? "amd64" : architecture === "aarch64" ? "arm64" : architecture, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

function normalizedVariant(p: Platform): string | undefined {
  if (p.architecture === "arm64" && (p.variant === undefined || p.variant === "")) return "v8";
  return p.variant || undefined;
}

export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  const wantVariant = normalizedVariant(want);
  return wantVariant === undefined || wantVariant === normalizedVariant(have);
}

/** Picks the manifest for `want` from an index's descriptors; `name` is used in the error. */
export function selectPlatformManifest(manifests: Descriptor[], want: Platform, name: string): Descriptor {
  const candidates = manifests.filter((d) => d.platform !== undefined && platformMatches(want, d.platform));
  // The index order is the publisher's preference, so the first match wins.
  const chosen = candidates[0];
  if (chosen) return chosen;
  const available = manifests
    .filter((d) => d.platform && d.platform.os !== "unknown")
    .map((d) => formatPlatform(d.platform!));
  throw new ImagetoolError(
    "NO_MATCHING_PLATFORM",
    `image '${name}' has no manifest for platform ${formatPlatform(want)}; available: ${available.length > 0 ? [...new Set(available)].join(", ") : "none"} (use --platform)`,
  );
}
