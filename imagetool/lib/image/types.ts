/**
 * OCI image-spec types (v1.1), generated from the JSON Schemas in schemas/ (the one place they
 * are defined); the image tool imports them from here.
 */
export type { Descriptor, Platform, ImageManifest, ImageIndex, ImageConfig, HistoryEntry, ImageLayoutFile } from "../../../schemas/index.ts";
