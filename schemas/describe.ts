/**
 * Human descriptions of what a schema location expects and of what a document holds, for error
 * messages. Only the error path loads this module's data: the schema JSON files are read with a
 * lazy `require` (bundled by `bun build`), so a valid config costs nothing here.
 *
 * The walker follows a JSON pointer into the *instance* through properties / additionalProperties
 * / items, resolving $refs between the family's files the way ajv did when compiling them.
 */
import { SCHEMA_FILES, type SchemaFamily } from "./documents.ts";

export type JsonSchema = { readonly [keyword: string]: unknown };
/** A schema node and the file its relative $refs resolve against. */
export interface Located {
  schema: JsonSchema;
  file: string;
}

function loadFamily(family: SchemaFamily): Record<string, JsonSchema> {
  // Literal paths so `bun build` bundles the files; only reached when a document is invalid.
  const files: Record<SchemaFamily, () => JsonSchema[]> = {
    runtime: () => [
      require("./runtime/defs.json"),
      require("./runtime/config-linux.json"),
      require("./runtime/config.json"),
      require("./runtime/state.json"),
      require("./runtime/features.json"),
      require("./runtime/events.json"),
    ],
    image: () => [
      require("./image/defs.json"),
      require("./image/descriptor.json"),
      require("./image/manifest.json"),
      require("./image/index.json"),
      require("./image/config.json"),
      require("./image/layout.json"),
    ],
  };
  const schemas = files[family]();
  return Object.fromEntries(SCHEMA_FILES[family].map((name, i) => [name, schemas[i]!]));
}

const families = new Map<SchemaFamily, Record<string, JsonSchema>>();
function familyFiles(family: SchemaFamily): Record<string, JsonSchema> {
  let files = families.get(family);
  if (!files) families.set(family, (files = loadFamily(family)));
  return files;
}

/** Splits a JSON pointer into unescaped segments (RFC 6901: ~1 is "/", ~0 is "~"). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The value a JSON pointer designates in a document, or undefined. */
export function valueAt(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const segment of pointerSegments(pointer)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

export class SchemaWalker {
  private readonly files: Record<string, JsonSchema>;
  constructor(family: SchemaFamily) {
    this.files = familyFiles(family);
  }

  /** The schema of a document kind, at an instance pointer (undefined where the schema says nothing). */
  at(rootFile: string, pointer: string): Located | undefined {
    let node: Located | undefined = this.root(rootFile);
    for (const segment of pointerSegments(pointer)) {
      if (!node) return undefined;
      node = this.child(node, segment);
    }
    return node;
  }

  root(file: string): Located {
    const schema = this.files[file];
    if (!schema) throw new Error(`schemas: no schema file ${file}`);
    return { schema, file };
  }

  /** Follows $ref until a node without one. */
  resolve(node: Located): Located {
    let current = node;
    for (let hops = 0; typeof current.schema.$ref === "string"; hops++) {
      if (hops > 32) throw new Error(`schemas: $ref loop at ${current.file}`);
      const [file, fragment = ""] = (current.schema.$ref as string).split("#");
      const target = file ? file : current.file;
      let schema: unknown = this.root(target).schema;
      for (const segment of pointerSegments(fragment)) schema = (schema as Record<string, unknown>)[segment];
      if (!schema || typeof schema !== "object") throw new Error(`schemas: unresolved $ref ${current.schema.$ref}`);
      current = { schema: schema as JsonSchema, file: target };
    }
    return current;
  }

  /** The schema that applies to `segment` (a property name or array index) inside `node`. */
  child(node: Located, segment: string): Located | undefined {
    const { schema, file } = this.resolve(node);
    const properties = schema.properties as Record<string, JsonSchema> | undefined;
    if (properties && Object.hasOwn(properties, segment)) return { schema: properties[segment]!, file };
    if (schema.items && typeof schema.items === "object" && /^\d+$/.test(segment)) {
      return { schema: schema.items as JsonSchema, file };
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
      return { schema: schema.additionalProperties as JsonSchema, file };
    }
    return undefined;
  }

  /** What a schema node expects, as a noun phrase: "an integer from 0 to 4294967295". */
  describe(node: Located): string {
    const { schema, file } = this.resolve(node);
    if (typeof schema.expected === "string") return schema.expected;
    if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
    if ("const" in schema) return JSON.stringify(schema.const);
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string | undefined];
    return types.map((type) => this.describeType(type, { schema, file })).join(" or ");
  }

  private describeType(type: string | undefined, node: Located): string {
    const { schema, file } = node;
    switch (type) {
      case "array": {
        if (!schema.items || typeof schema.items !== "object") return "an array";
        const items = this.resolve({ schema: schema.items as JsonSchema, file });
        const plural = this.plural(items);
        const array = plural ? `an array of ${plural}` : `an array (each item: ${this.describe(items)})`;
        return typeof schema.minItems === "number" && schema.minItems > 0
          ? `${array} with at least ${schema.minItems} item${schema.minItems === 1 ? "" : "s"}`
          : array;
      }
      case "object": {
        const values = schema.additionalProperties;
        if (!values || typeof values !== "object") return "an object";
        const plural = this.plural(this.resolve({ schema: values as JsonSchema, file }));
        return plural ? `an object whose values are ${plural}` : "an object";
      }
      case "integer":
      case "number":
        return `${type === "integer" ? "an integer" : "a number"}${rangeText(schema)}`;
      case "string":
        return typeof schema.pattern === "string" ? `a string matching /${schema.pattern}/` : "a string";
      case "boolean":
        return "a boolean (true or false)";
      case "null":
        return "null";
      default:
        return "a value";
    }
  }

  /** The plural noun phrase for an array's items ("strings"), or undefined if it reads badly. */
  private plural(node: Located): string | undefined {
    const { schema } = node;
    if (typeof schema.expected === "string" || Array.isArray(schema.enum) || Array.isArray(schema.type)) return undefined;
    switch (schema.type) {
      case "string":
        return typeof schema.pattern === "string" ? undefined : "strings";
      case "integer":
        return `integers${rangeText(schema)}`;
      case "boolean":
        return "booleans";
      case "object":
        return "objects";
      case "array":
        return "arrays";
      default:
        return undefined;
    }
  }
}

function rangeText(schema: JsonSchema): string {
  const min = typeof schema.minimum === "number" ? schema.minimum : undefined;
  const max = typeof schema.maximum === "number" ? schema.maximum : undefined;
  if (min !== undefined && max !== undefined) return ` from ${bound(min)} to ${bound(max)}`;
  if (min !== undefined) return ` >= ${bound(min)}`;
  if (max !== undefined) return ` <= ${bound(max)}`;
  return "";
}

/** 64-bit bounds lose precision as doubles; print the exact limits the spec means. */
function bound(n: number): string {
  if (n >= 2 ** 64 - 1) return "18446744073709551615";
  if (n >= 2 ** 63 - 1) return "9223372036854775807";
  if (n <= -(2 ** 63)) return "-9223372036854775808";
  return String(n);
}

/** What a document holds, for "(found ...)": the kind of value, with short scalars quoted. */
export function describeFound(value: unknown, withValue: boolean): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : "an array";
  if (typeof value === "object") return "an object";
  if (!withValue) {
    if (typeof value === "number") return Number.isInteger(value) ? "a number" : `the non-integer ${value}`;
    return `a ${typeof value}`;
  }
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}
