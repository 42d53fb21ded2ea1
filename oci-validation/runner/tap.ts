/**
 * TAP version 13 output (https://testanything.org/tap-version-13-specification.html): a plan line,
 * `ok N - name`, `not ok N - name` followed by an indented YAML block, `# SKIP reason` directives.
 */

/** One YAML scalar: plain when safe, otherwise a JSON string (JSON strings are valid YAML). */
function yamlScalar(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return JSON.stringify(text ?? "undefined");
}

export class TapWriter {
  private count = 0;

  constructor(private readonly write: (line: string) => void) {
    write("TAP version 13");
  }

  plan(total: number): void {
    this.write(`1..${total}`);
  }

  ok(name: string): void {
    this.write(`ok ${++this.count} - ${name}`);
  }

  skip(name: string, reason: string): void {
    this.write(`ok ${++this.count} - ${name} # SKIP ${reason}`);
  }

  notOk(name: string, diagnostic: Record<string, unknown>): void {
    this.write(`not ok ${++this.count} - ${name}`);
    this.write("  ---");
    for (const [key, value] of Object.entries(diagnostic)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        this.write(`  ${key}:`);
        for (const item of value) this.write(`    - ${yamlScalar(item)}`);
      } else {
        this.write(`  ${key}: ${yamlScalar(value)}`);
      }
    }
    this.write("  ...");
  }

  comment(text: string): void {
    for (const line of text.split("\n")) this.write(`# ${line}`);
  }
}
