/**
 * The shape of a conformance test: a name, the spec sentence it checks (quoted from runtime.md,
 * runtime-linux.md, config.md or config-linux.md of runtime-spec v1.3.0) and a body that drives the
 * runtime under test through the OCI command line and throws an AssertionFailure (assert.ts) when reality differs.
 */
import type { TestContext } from "./context.ts";

export interface ConformanceTest {
  /** Unique, stable, "area: what" (used by the filter and the README coverage table). */
  name: string;
  /** Where the requirement lives, e.g. "config-linux.md#namespaces". */
  ref: string;
  /** The requirement, quoted from the spec. */
  spec: string;
  /** A reason to skip on this host (checked before run), or undefined to run. */
  skip?: () => string | undefined;
  run(t: TestContext): Promise<void>;
}
