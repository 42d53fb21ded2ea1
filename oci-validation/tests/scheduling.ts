/** config.md#linux-process: scheduler and ioPriority (runtime-spec 1.2). */
import { equal } from "../runner/assert.ts";
import type { ConformanceTest } from "../runner/types.ts";

const SCHED_BATCH = 3;
const IOPRIO_CLASS_BE = 2;

export const schedulingTests: ConformanceTest[] = [
  {
    name: "process: scheduler policy and nice",
    ref: "config.md#linux-process",
    spec: "scheduler (object, OPTIONAL) is an object describing the scheduler properties for the process. ... policy (string, REQUIRED) represents the scheduling policy. ... nice (int32, OPTIONAL) is the nice value for the process, affecting its priority.",
    async run(t) {
      const r = await t.runChecker((c) => (c.process.scheduler = { policy: "SCHED_BATCH", nice: 5 }));
      equal(r.scheduler, { policy: SCHED_BATCH, nice: 5 }, "sched_getscheduler(0) and getpriority(PRIO_PROCESS, 0)");
    },
  },
  {
    name: "process: ioPriority class and priority",
    ref: "config.md#linux-process",
    spec: "ioPriority (object, OPTIONAL) configures the I/O priority settings for the container's processes within the process group. ... class (string, REQUIRED) specifies the I/O scheduling class. ... priority (int, REQUIRED) specifies the priority level within the class.",
    async run(t) {
      const r = await t.runChecker((c) => (c.process.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 6 }));
      equal(r.ioprio, { class: IOPRIO_CLASS_BE, level: 6 }, "ioprio_get(IOPRIO_WHO_PROCESS, 0)");
    },
  },
];
