/** Crafted image-spec documents: one good document per kind, and changes to them. */
import type { Mutation } from "./mutations.ts";

const hex = (c: string, n: number) => c.repeat(n);
export const SHA256 = `sha256:${hex("a", 64)}`;
export const SHA512 = `sha512:${hex("b", 128)}`;

export const GOOD_DESCRIPTOR = {
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: SHA256,
  size: 7682,
  urls: ["https://example.com/blobs/manifest"],
  annotations: { "org.opencontainers.image.ref.name": "latest" },
  data: "eyJhIjoxfQ==",
  artifactType: "application/vnd.example.sbom.v1+json",
  platform: { architecture: "arm64", os: "linux", variant: "v8", "os.version": "6.1", "os.features": ["x"] },
};

export const GOOD_MANIFEST = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  artifactType: "application/vnd.example.sbom.v1+json",
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: SHA256, size: 1470 },
  layers: [
    { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: SHA512, size: 32654 },
    { mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", digest: "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", size: 0 },
  ],
  subject: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: SHA256, size: 7682 },
  annotations: { "com.example.key": "value" },
};

export const MANIFEST_MUTATIONS: Mutation[] = [
  { name: "docker schema2 media types", set: "/mediaType", value: "application/vnd.docker.distribution.manifest.v2+json", valid: true },
  { name: "no mediaType", remove: "/mediaType", valid: true },
  { name: "unknown property", set: "/x-extension", value: [1], valid: true },
  { name: "layer with urls", set: "/layers/0/urls", value: ["https://mirror.example/l0"], valid: true },
  { name: "schemaVersion 1", set: "/schemaVersion", value: 1, valid: false },
  { name: "schemaVersion string", set: "/schemaVersion", value: "2", valid: false },
  { name: "missing config", remove: "/config", valid: false },
  { name: "missing layers", remove: "/layers", valid: false },
  { name: "no layers", set: "/layers", value: [], valid: false },
  { name: "negative layer size", set: "/layers/0/size", value: -1, valid: false },
  { name: "fractional config size", set: "/config/size", value: 1.5, valid: false },
  { name: "config size as string", set: "/config/size", value: "1470", valid: false },
  { name: "digest without algorithm", set: "/config/digest", value: hex("a", 64), valid: false },
  { name: "digest with upper-case algorithm", set: "/config/digest", value: `SHA256:${hex("a", 64)}`, valid: false },
  { name: "digest with a slash", set: "/layers/0/digest", value: "sha256:../../etc", valid: false },
  { name: "missing layer digest", remove: "/layers/1/digest", valid: false },
  { name: "missing config mediaType", remove: "/config/mediaType", valid: false },
  { name: "media type without subtype", set: "/layers/0/mediaType", value: "application", valid: false },
  { name: "media type with spaces", set: "/config/mediaType", value: "application/vnd oci", valid: false },
  { name: "bad artifactType", set: "/artifactType", value: "sbom", valid: false },
  { name: "subject without size", remove: "/subject/size", valid: false },
  { name: "url that is not a URI", set: "/layers/0/urls", value: ["not a url"], valid: false, pointer: "/layers/0/urls/0" },
  { name: "annotation value is a number", set: "/annotations/n", value: 1, valid: false },
];

export const GOOD_INDEX = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [
    { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: SHA256, size: 7143, platform: { architecture: "amd64", os: "linux" } },
    { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: SHA512, size: 7682, platform: { architecture: "arm64", os: "linux", variant: "v8" } },
  ],
  annotations: { "com.example.key": "value" },
};

export const INDEX_MUTATIONS: Mutation[] = [
  { name: "empty manifests", set: "/manifests", value: [], valid: true },
  { name: "manifest without platform", remove: "/manifests/0/platform", valid: true },
  { name: "docker manifest list", set: "/mediaType", value: "application/vnd.docker.distribution.manifest.list.v2+json", valid: true },
  { name: "with subject", set: "/subject", value: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: SHA256, size: 1 }, valid: true },
  { name: "missing manifests", remove: "/manifests", valid: false },
  { name: "schemaVersion 3", set: "/schemaVersion", value: 3, valid: false },
  { name: "platform without os", remove: "/manifests/0/platform/os", valid: false },
  { name: "platform architecture number", set: "/manifests/1/platform/architecture", value: 64, valid: false },
  { name: "malformed manifest digest", set: "/manifests/0/digest", value: "sha256", valid: false },
  { name: "manifest missing mediaType", remove: "/manifests/1/mediaType", valid: false },
  { name: "manifests is an object", set: "/manifests", value: {}, valid: false },
];

export const GOOD_IMAGE_CONFIG = {
  created: "2024-01-31T12:00:00.123456789Z",
  author: "someone",
  architecture: "amd64",
  os: "linux",
  config: {
    User: "1000:1000",
    ExposedPorts: { "80/tcp": {} },
    Env: ["PATH=/usr/bin"],
    Entrypoint: ["/bin/sh"],
    Cmd: null,
    Volumes: { "/data": {} },
    WorkingDir: "/",
    Labels: { a: "b" },
    StopSignal: "SIGTERM",
    ArgsEscaped: false,
  },
  rootfs: { type: "layers", diff_ids: [SHA256, SHA512] },
  history: [{ created: "2024-01-31T11:00:00+02:00", created_by: "/bin/sh -c true", empty_layer: true, comment: "c", author: "a" }],
};

export const IMAGE_CONFIG_MUTATIONS: Mutation[] = [
  { name: "minimal", set: "/config", value: {}, valid: true },
  { name: "null Labels, Volumes and Entrypoint", set: "/config", value: { Labels: null, Volumes: null, Entrypoint: null }, valid: true },
  { name: "no diff_ids", set: "/rootfs/diff_ids", value: [], valid: true },
  { name: "missing architecture", remove: "/architecture", valid: false },
  { name: "missing os", remove: "/os", valid: false },
  { name: "missing rootfs", remove: "/rootfs", valid: false },
  { name: "missing diff_ids", remove: "/rootfs/diff_ids", valid: false },
  { name: "rootfs type layer", set: "/rootfs/type", value: "layer", valid: false },
  { name: "Entrypoint as a string", set: "/config/Entrypoint", value: "/bin/sh", valid: false },
  { name: "Env null", set: "/config/Env", value: null, valid: false },
  { name: "Env item number", set: "/config/Env/0", value: 1, valid: false },
  { name: "ExposedPorts value string", set: "/config/ExposedPorts/80~1tcp", value: "yes", valid: false },
  { name: "created not a date", set: "/created", value: "yesterday", valid: false },
  { name: "created without time zone", set: "/created", value: "2024-01-31T12:00:00", valid: false },
  { name: "created month 13", set: "/created", value: "2024-13-01T00:00:00Z", valid: false },
  { name: "history created not a date", set: "/history/0/created", value: "2024-01-31", valid: false },
  { name: "empty_layer as string", set: "/history/0/empty_layer", value: "true", valid: false },
  { name: "ArgsEscaped as string", set: "/config/ArgsEscaped", value: "false", valid: false },
];

export const LAYOUT_MUTATIONS: Mutation[] = [
  { name: "extra property", set: "/extra", value: 1, valid: true },
  { name: "version 1.1.0", set: "/imageLayoutVersion", value: "1.1.0", valid: false },
  { name: "version as number", set: "/imageLayoutVersion", value: 1, valid: false },
  { name: "missing version", remove: "/imageLayoutVersion", valid: false },
];

export const DESCRIPTOR_MUTATIONS: Mutation[] = [
  { name: "only the required fields", set: "/urls", value: [], valid: true },
  { name: "size 0", set: "/size", value: 0, valid: true },
  { name: "empty data", set: "/data", value: "", valid: true },
  { name: "negative size", set: "/size", value: -1, valid: false },
  { name: "missing size", remove: "/size", valid: false },
  { name: "missing digest", remove: "/digest", valid: false },
  { name: "missing mediaType", remove: "/mediaType", valid: false },
  { name: "digest encoded with symbols", set: "/digest", value: "sha256:abc!", valid: false },
  { name: "digest with empty encoded part", set: "/digest", value: "sha256:", valid: false },
  { name: "urls is a string", set: "/urls", value: "https://example.com", valid: false },
];
