/**
 * The single call site of the JSON Schema validation of config.json (schemas/ owns the schema
 * and its ahead-of-time compiled validator; nothing is compiled at start-up).
 */
import { formatSchemaIssues, validateRuntimeConfig } from "../../schemas/index.ts";
import { RuntimeError } from "./errors.ts";
import type { Spec } from "./spec-types.ts";

export function checkSchema(doc: unknown, file: string): Spec {
  const result = validateRuntimeConfig(doc);
  if (!result.ok) throw new RuntimeError("CONFIG_INVALID", formatSchemaIssues(file, result.errors), { path: file, pointer: result.errors[0]?.pointer });
  return result.value as unknown as Spec;
}
