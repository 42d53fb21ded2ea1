/**
 * Turns ajv's terse errors ("must be integer") into issues a person can act on: each names the
 * JSON pointer, what the schema expects there and what the document holds, e.g.
 *   config.json: /process/args: must be an array of strings (found a number)
 *   config.json: /process: missing required property "cwd" (a string)
 */
import type { ErrorObject } from "ajv";
import { describeFound, SchemaWalker, valueAt, type Located } from "./describe.ts";
import type { DocumentKind } from "./documents.ts";

export interface SchemaIssue {
  /** JSON pointer (RFC 6901) into the document, e.g. /process/args/0; "" is the whole document. */
  pointer: string;
  /** What was expected there, and what was found. */
  message: string;
}

/** One line per issue: `<file>: <pointer>: <message>` (the pointer is left out for the whole document). */
export function formatSchemaIssues(file: string, issues: readonly SchemaIssue[]): string {
  return issues.map((issue) => `${file}: ${issue.pointer === "" ? "" : `${issue.pointer}: `}${issue.message}`).join("\n");
}

/** The issues for a document that failed its compiled validator. */
export function toSchemaIssues(kind: DocumentKind, errors: readonly ErrorObject[], doc: unknown): SchemaIssue[] {
  const walker = new SchemaWalker(kind.family);
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const issue = toIssue(walker, kind.file, error, doc);
    const key = `${issue.pointer}\n${issue.message}`;
    if (seen.has(key)) continue; // e.g. one bad value reached through two $refs
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(walker: SchemaWalker, rootFile: string, error: ErrorObject, doc: unknown): SchemaIssue {
  const pointer = error.instancePath;
  const value = valueAt(doc, pointer);
  const here = walker.at(rootFile, pointer);
  const expected = (node: Located | undefined) => (node ? walker.describe(node) : undefined);
  const params = error.params as Record<string, unknown>;
  const mustBe = (fallback: string, withValue: boolean) =>
    `must be ${expected(here) ?? fallback} (found ${describeFound(value, withValue)})`;

  switch (error.keyword) {
    case "type":
      return { pointer, message: mustBe(`of type ${String(params.type)}`, false) };
    case "required": {
      const name = String(params.missingProperty);
      const property = here && walker.child(here, name);
      const what = expected(property);
      return { pointer, message: `missing required property ${JSON.stringify(name)}${what ? ` (${what})` : ""}` };
    }
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      const known = here ? Object.keys((walker.resolve(here).schema.properties as object | undefined) ?? {}) : [];
      const allowed = known.length > 0 ? ` (allowed: ${known.join(", ")})` : "";
      return { pointer, message: `unknown property ${JSON.stringify(name)} is not allowed${allowed}` };
    }
    case "enum":
      return { pointer, message: mustBe(`one of ${JSON.stringify(params.allowedValues)}`, true) };
    case "const":
      return { pointer, message: mustBe(JSON.stringify(params.allowedValue), true) };
    case "pattern":
      return { pointer, message: mustBe(`a string matching /${String(params.pattern)}/`, true) };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { pointer, message: mustBe(`${String(params.comparison)} ${String(params.limit)}`, true) };
    case "minItems":
    case "maxItems": {
      const limit = Number(params.limit);
      const bound = error.keyword === "minItems" ? "at least" : "at most";
      const count = Array.isArray(value) ? value.length : 0;
      return { pointer, message: `must have ${bound} ${limit} item${limit === 1 ? "" : "s"} (found ${count})` };
    }
    case "format":
      return { pointer, message: `must be a valid ${String(params.format)} (found ${describeFound(value, true)})` };
    default:
      return { pointer, message: `fails the schema's "${error.keyword}" rule ${JSON.stringify(params)}` };
  }
}
