/** The state document hooks read on stdin (runtime-spec runtime.md "State"). */
import type { ContainerRecord, Status } from "../state.ts";

export function hookStateJson(rec: ContainerRecord, status: Status): string {
  return JSON.stringify({
    ociVersion: rec.ociVersion,
    id: rec.id,
    status,
    pid: rec.pid,
    bundle: rec.bundle,
    ...(Object.keys(rec.annotations).length > 0 ? { annotations: rec.annotations } : {}),
  });
}
