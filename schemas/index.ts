/**
 * bocker's schema API, shared by bocker-runtime and bocker-imagetool (with common/stdio.ts, the
 * only modules both import).
 *
 *   const result = validateRuntimeConfig(JSON.parse(text));
 *   if (!result.ok) throw new Error(formatSchemaIssues("config.json", result.errors));
 *   result.value; // typed Spec
 *
 * Cheap to import: the validators are compiled ahead of time (schemas/scripts/generate.ts) and
 * each is loaded by a lazy `require` the first time its document kind is validated, so
 * `bocker-runtime create` only loads the config validator, and the schema JSON (used to word
 * errors) only loads when a document is invalid. `bun build` bundles the literal require paths.
 */
import { DOCUMENT_KINDS, type DocumentKind } from "./documents.ts";
import { toSchemaIssues, type SchemaIssue } from "./issues.ts";
import type { CompiledValidator } from "./generated/validators/runtime-config.js";
import type { Spec } from "./generated/types/runtime-config.ts";
import type { State } from "./generated/types/runtime-state.ts";
import type { Features } from "./generated/types/runtime-features.ts";
import type { Event } from "./generated/types/runtime-events.ts";
import type { ImageManifest } from "./generated/types/image-manifest.ts";
import type { ImageIndex } from "./generated/types/image-index.ts";
import type { ImageConfig } from "./generated/types/image-config.ts";
import type { Descriptor } from "./generated/types/image-descriptor.ts";
import type { ImageLayoutFile } from "./generated/types/image-layout.ts";

export { formatSchemaIssues, type SchemaIssue } from "./issues.ts";

/** The outcome of validating a parsed JSON document; `value` is the same object, typed. */
export type SchemaValidation<T> = { ok: true; value: T } | { ok: false; errors: SchemaIssue[] };

function check<T>(kind: DocumentKind, validate: CompiledValidator, doc: unknown): SchemaValidation<T> {
  if (validate(doc)) return { ok: true, value: doc as T };
  return { ok: false, errors: toSchemaIssues(kind, validate.errors ?? [], doc) };
}

type ValidatorModule = { validate: CompiledValidator };

/** runtime-spec config.json of a bundle. */
export function validateRuntimeConfig(doc: unknown): SchemaValidation<Spec> {
  const { validate }: ValidatorModule = require("./generated/validators/runtime-config.js");
  return check(DOCUMENT_KINDS.runtimeConfig, validate, doc);
}

/** runtime-spec state (what `state` prints and hooks read on stdin). */
export function validateRuntimeState(doc: unknown): SchemaValidation<State> {
  const { validate }: ValidatorModule = require("./generated/validators/runtime-state.js");
  return check(DOCUMENT_KINDS.runtimeState, validate, doc);
}

/** runtime-spec features.json (what `features` prints). */
export function validateRuntimeFeatures(doc: unknown): SchemaValidation<Features> {
  const { validate }: ValidatorModule = require("./generated/validators/runtime-features.js");
  return check(DOCUMENT_KINDS.runtimeFeatures, validate, doc);
}

/** One line of `bocker-runtime events` (also runc's): a stats or an oom event. */
export function validateRuntimeEvent(doc: unknown): SchemaValidation<Event> {
  const { validate }: ValidatorModule = require("./generated/validators/runtime-events.js");
  return check(DOCUMENT_KINDS.runtimeEvent, validate, doc);
}

/** image-spec manifest (also Docker schema2 manifests). */
export function validateImageManifest(doc: unknown): SchemaValidation<ImageManifest> {
  const { validate }: ValidatorModule = require("./generated/validators/image-manifest.js");
  return check(DOCUMENT_KINDS.imageManifest, validate, doc);
}

/** image-spec image index (also Docker manifest lists); index.json of an image layout. */
export function validateImageIndex(doc: unknown): SchemaValidation<ImageIndex> {
  const { validate }: ValidatorModule = require("./generated/validators/image-index.js");
  return check(DOCUMENT_KINDS.imageIndex, validate, doc);
}

/** image-spec image configuration blob. */
export function validateImageConfig(doc: unknown): SchemaValidation<ImageConfig> {
  const { validate }: ValidatorModule = require("./generated/validators/image-config.js");
  return check(DOCUMENT_KINDS.imageConfig, validate, doc);
}

/** image-spec content descriptor. */
export function validateDescriptor(doc: unknown): SchemaValidation<Descriptor> {
  const { validate }: ValidatorModule = require("./generated/validators/image-descriptor.js");
  return check(DOCUMENT_KINDS.descriptor, validate, doc);
}

/** image-spec `oci-layout` file. */
export function validateImageLayout(doc: unknown): SchemaValidation<ImageLayoutFile> {
  const { validate }: ValidatorModule = require("./generated/validators/image-layout.js");
  return check(DOCUMENT_KINDS.imageLayout, validate, doc);
}

export type {
  Spec,
  Process,
  Box,
  User,
  POSIXRlimit,
  LinuxCapabilities,
  Scheduler,
  LinuxIOPriority,
  CPUAffinity,
  Root,
  Mount,
  Hook,
  Hooks,
  Annotations,
  Linux,
  LinuxIDMapping,
  LinuxNamespace,
  LinuxNamespaceType,
  LinuxTimeOffsets,
  LinuxTimeOffset,
  LinuxDevice,
  LinuxNetDevice,
  LinuxResources,
  LinuxDeviceCgroup,
  LinuxMemory,
  LinuxCPU,
  LinuxBlockIO,
  LinuxWeightDevice,
  LinuxThrottleDevice,
  LinuxHugepageLimit,
  LinuxNetwork,
  LinuxInterfacePriority,
  LinuxPids,
  LinuxRdma,
  LinuxIntelRdt,
  LinuxMemoryPolicy,
  LinuxSeccomp,
  LinuxSeccompAction,
  LinuxSeccompArch,
  LinuxSeccompFlag,
  LinuxSeccompOperator,
  LinuxSyscall,
  LinuxSeccompArg,
  LinuxPersonality,
} from "./generated/types/runtime-config.ts";
export type { State, ContainerStatus } from "./generated/types/runtime-state.ts";
export type {
  Features,
  LinuxFeatures,
  CgroupFeatures,
  SeccompFeatures,
  FeatureEnabled,
  MountExtensionsFeatures,
} from "./generated/types/runtime-features.ts";
export type { Event, StatsEvent, OomEvent, Stats } from "./generated/types/runtime-events.ts";
export type { Descriptor, Platform } from "./generated/types/image-descriptor.ts";
export type { ImageManifest } from "./generated/types/image-manifest.ts";
export type { ImageIndex } from "./generated/types/image-index.ts";
export type { ImageConfig, ImageExecutionConfig, RootFS, HistoryEntry } from "./generated/types/image-config.ts";
export type { ImageLayoutFile } from "./generated/types/image-layout.ts";
