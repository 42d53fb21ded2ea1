/** Every conformance test, in the order the suite runs them. */
import type { ConformanceTest } from "../runner/types.ts";
import { cgroupTests } from "./cgroups.ts";
import { deviceTests } from "./devices.ts";
import { hookTests } from "./hooks.ts";
import { lifecycleTests } from "./lifecycle.ts";
import { mountTests } from "./mounts.ts";
import { namespaceTests } from "./namespaces.ts";
import { pathTests } from "./paths.ts";
import { processTests } from "./process.ts";
import { schedulingTests } from "./scheduling.ts";
import { securityTests } from "./security.ts";

export const ALL_TESTS: ConformanceTest[] = [
  ...lifecycleTests,
  ...hookTests,
  ...processTests,
  ...schedulingTests,
  ...mountTests,
  ...namespaceTests,
  ...deviceTests,
  ...pathTests,
  ...cgroupTests,
  ...securityTests,
];
