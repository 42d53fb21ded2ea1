/**
 * The documents bocker validates: which schema file is the root of each, and the name of the
 * generated type and validator module. Shared by the generator and the error reporter (which
 * walks the schema a failed document was checked against).
 */
export type SchemaFamily = "runtime" | "image";

export interface DocumentKind {
  /** Base name of the generated files: generated/types/<module>.ts, generated/validators/<module>.js. */
  module: string;
  family: SchemaFamily;
  /** Root schema, relative to schemas/<family>/; also its $id. */
  file: string;
  /** Name of the generated root type. */
  typeName: string;
}

export const DOCUMENT_KINDS = {
  runtimeConfig: { module: "runtime-config", family: "runtime", file: "config.json", typeName: "Spec" },
  runtimeState: { module: "runtime-state", family: "runtime", file: "state.json", typeName: "State" },
  runtimeFeatures: { module: "runtime-features", family: "runtime", file: "features.json", typeName: "Features" },
  runtimeEvent: { module: "runtime-events", family: "runtime", file: "events.json", typeName: "Event" },
  imageManifest: { module: "image-manifest", family: "image", file: "manifest.json", typeName: "ImageManifest" },
  imageIndex: { module: "image-index", family: "image", file: "index.json", typeName: "ImageIndex" },
  imageConfig: { module: "image-config", family: "image", file: "config.json", typeName: "ImageConfig" },
  descriptor: { module: "image-descriptor", family: "image", file: "descriptor.json", typeName: "Descriptor" },
  imageLayout: { module: "image-layout", family: "image", file: "layout.json", typeName: "ImageLayoutFile" },
} as const satisfies Record<string, DocumentKind>;

export type DocumentKindName = keyof typeof DOCUMENT_KINDS;

/** Every schema file of a family, in the order they are registered with ajv. */
export const SCHEMA_FILES: Record<SchemaFamily, readonly string[]> = {
  runtime: ["defs.json", "config-linux.json", "config.json", "state.json", "features.json", "events.json"],
  image: ["defs.json", "descriptor.json", "manifest.json", "index.json", "config.json", "layout.json"],
};
