/**
 * Upstream's own JSON Schemas (runtime-spec v1.3.0, image-spec), compiled with ajv at test time,
 * as an oracle for ours. They are read from shared/ beside the repository and never copied in.
 *
 * Upstream's files are draft-04: `id` instead of `$id`, nested `id`s beside `$ref`s, and the
 * date-time/uri formats (and one malformed, unused $ref). ajv 8 speaks draft-07, which means the same for every keyword these
 * files use, so each file gets `$id` = its file name (relative $refs resolve as upstream
 * intends), nested `id`s are dropped, and the two formats are supplied here.
 */
import Ajv, { type ValidateFunction } from "ajv";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const REPO_ROOT = join(import.meta.dir, "..", "..", "..");
export const OCI_REFERENCE = join(REPO_ROOT, "..", "shared", "oci-reference");
export const RUNTIME_SPEC_DIR = join(OCI_REFERENCE, "runtime-spec-v1.3.0");
export const IMAGE_SPEC_DIR = join(OCI_REFERENCE, "image-spec");

function stripDraft04(node: unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => stripDraft04(item));
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || (key === "id" && typeof value === "string")) continue;
    // runtime-spec defs.json ArrayOfUint32 has "#definitions/uint32" (no slash); nothing uses it,
    // but ajv resolves every $ref of a file it compiles.
    if (key === "$ref" && typeof value === "string") {
      out[key] = value.replace(/#definitions\//, "#/definitions/");
      continue;
    }
    // "properties" maps names to schemas: a property literally named "id" must stay.
    out[key] = key === "properties" ? mapValues(value, (v) => stripDraft04(v)) : stripDraft04(value);
  }
  return out;
}

function mapValues(obj: unknown, fn: (v: unknown) => unknown): unknown {
  if (obj === null || typeof obj !== "object") return obj;
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}

// RFC 3339 date-time, checked independently of our pattern: grammar here, calendar via Date.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!));
  return date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d! && h! < 24 && mi! < 60 && s! <= 60;
}

function isUri(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/.test(text) && URL.canParse(text);
}

function loadDirectory(dir: string): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addFormat("date-time", isDateTime);
  ajv.addFormat("uri", isUri);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const schema = stripDraft04(JSON.parse(readFileSync(join(dir, file), "utf8"))) as Record<string, unknown>;
    ajv.addSchema({ ...schema, $id: file });
  }
  return ajv;
}

let runtimeAjv: Ajv | undefined;
let imageAjv: Ajv | undefined;

/** Upstream's validator for one of its schema files, e.g. upstream("runtime", "config-schema.json"). */
export function upstream(family: "runtime" | "image", file: string): ValidateFunction {
  const ajv =
    family === "runtime"
      ? (runtimeAjv ??= loadDirectory(RUNTIME_SPEC_DIR))
      : (imageAjv ??= loadDirectory(IMAGE_SPEC_DIR));
  const validate = ajv.getSchema(file);
  if (!validate) throw new Error(`upstream schema ${family}/${file} not found`);
  return validate;
}
