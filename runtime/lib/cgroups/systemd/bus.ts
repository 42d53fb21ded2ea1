/**
 * The few systemd manager calls the systemd cgroup driver needs, over the D-Bus system bus (as
 * runc's dbus.go does; systemd's private socket speaks peer-to-peer D-Bus without a bus daemon,
 * which the client does not do). The client, @jellybrick/dbus-next (a maintained fork of
 * dbus-next, pure JavaScript), is loaded by dynamic import here only: no other command pays for it.
 * Jobs (StartTransientUnit, StopUnit) finish with a JobRemoved signal, which is matched before the
 * call so it cannot be missed, and waited for with a timeout (runc: 30 s).
 */
import { RuntimeError } from "../../errors.ts";
import type { UnitProperty } from "./properties.ts";

type DBus = typeof import("@jellybrick/dbus-next");
type Bus = import("@jellybrick/dbus-next").MessageBus;
type Msg = import("@jellybrick/dbus-next").Message;

const SYSTEMD = "org.freedesktop.systemd1";
const MANAGER_PATH = "/org/freedesktop/systemd1";
const MANAGER = "org.freedesktop.systemd1.Manager";
const JOB_MATCH = `type='signal',sender='${SYSTEMD}',interface='${MANAGER}',path='${MANAGER_PATH}',member='JobRemoved'`;
/** runc waits 30 s for systemd to create or remove a unit. */
export const JOB_TIMEOUT_MS = 30_000;

export interface SystemdManager {
  /** systemd's major version ("252.36-1~deb12u1" → 252): which properties it knows. */
  version: number;
  /** StartTransientUnit(unit, "replace", props) and its job; a unit left over from a failed run is reset and tried once more (runc). */
  startTransientUnit(unit: string, props: UnitProperty[]): Promise<void>;
  /** StopUnit(unit, "replace") and its job; a unit that is not loaded (gone with its last process) is fine; then ResetFailedUnit. */
  stopUnit(unit: string): Promise<void>;
  /** SetUnitProperties(unit, runtime=true, props). */
  setUnitProperties(unit: string, props: UnitProperty[]): Promise<void>;
  close(): void;
}

function dbusErrorName(err: unknown): string | undefined {
  return (err as { type?: string }).type;
}

function busError(what: string, err: unknown): RuntimeError {
  const name = dbusErrorName(err);
  return new RuntimeError("IO", `systemd ${what}: ${name ? `${name}: ` : ""}${(err as Error).message}`, {}, err);
}

function toVariants(dbus: DBus, props: UnitProperty[]): Array<[string, InstanceType<DBus["Variant"]>]> {
  return props.map((p) => [p.name, new dbus.Variant(p.signature, p.signature === "ay" ? Buffer.from(p.value as Uint8Array) : p.value)]);
}

/** Connects to the system bus and prepares to receive job results. */
export async function connectSystemd(address = process.env.DBUS_SYSTEM_BUS_ADDRESS ?? "unix:path=/run/dbus/system_bus_socket"): Promise<SystemdManager> {
  const dbus: DBus = await import("@jellybrick/dbus-next");
  let bus: Bus;
  // The connection's failures arrive as 'error' events; every pending call also races them.
  let failed: (err: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => {});
  try {
    // systemBus() takes no address; this is the same connection, to the address given.
    bus = dbus.sessionBus({ busAddress: address });
  } catch (err) {
    throw new RuntimeError("IO", `cannot connect to the D-Bus system bus at ${address}: ${(err as Error).message}`, {}, err);
  }
  bus.on("error", (err: Error) => failed(err));
  const finished = new Map<string, string>();
  const waiting = new Map<string, (result: string) => void>();
  bus.on("message", (msg: Msg) => {
    if (msg.type !== dbus.MessageType.SIGNAL || msg.member !== "JobRemoved" || msg.interface !== MANAGER) return;
    const [, job, , result] = msg.body as [number, string, string, string];
    const waiter = waiting.get(job);
    if (waiter) waiter(result);
    else finished.set(job, result);
  });
  const call = async (member: string, signature: string, body: unknown[], iface = MANAGER, destination = SYSTEMD, path = MANAGER_PATH): Promise<unknown[]> => {
    const reply = await Promise.race([bus.call(new dbus.Message({ destination, path, interface: iface, member, signature, body })), failure]);
    return (reply?.body ?? []) as unknown[];
  };
  const jobResult = (job: string, unit: string, what: string): Promise<string> => {
    const done = finished.get(job);
    if (done !== undefined) return Promise.resolve(done);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(job);
        reject(new RuntimeError("IO", `timed out after ${JOB_TIMEOUT_MS / 1000} s waiting for systemd to ${what} ${unit} (job ${job})`));
      }, JOB_TIMEOUT_MS);
      waiting.set(job, (result) => {
        clearTimeout(timer);
        waiting.delete(job);
        resolve(result);
      });
    });
  };
  const resetFailed = async (unit: string) => {
    try {
      await call("ResetFailedUnit", "s", [unit]);
    } catch {
      // not loaded or not failed: nothing to reset
    }
  };

  let version: number;
  try {
    const [, v] = await Promise.all([
      call("AddMatch", "s", [JOB_MATCH], "org.freedesktop.DBus", "org.freedesktop.DBus", "/org/freedesktop/DBus"),
      call("Get", "ss", [MANAGER, "Version"], "org.freedesktop.DBus.Properties"),
    ]);
    version = parseInt(String((v[0] as { value: unknown }).value), 10) || 0;
  } catch (err) {
    bus.disconnect();
    throw new RuntimeError("IO", `cannot talk to systemd over the D-Bus system bus at ${address} (is dbus running?): ${(err as Error).message}`, {}, err);
  }

  return {
    version,
    async startTransientUnit(unit, props) {
      const start = () => call("StartTransientUnit", "ssa(sv)a(sa(sv))", [unit, "replace", toVariants(dbus, props), []]);
      let reply: unknown[];
      try {
        reply = await start();
      } catch (err) {
        if (dbusErrorName(err) !== "org.freedesktop.systemd1.UnitExists") throw busError(`StartTransientUnit ${unit}`, err);
        // A unit of that name left over from a failed run: reset it so systemd drops it, retry once.
        await resetFailed(unit);
        try {
          reply = await start();
        } catch (err2) {
          throw busError(`StartTransientUnit ${unit}`, err2);
        }
      }
      const job = String(reply[0]);
      let result: string;
      try {
        result = await jobResult(job, unit, "create");
      } catch (err) {
        await resetFailed(unit);
        throw err;
      }
      if (result !== "done") {
        await resetFailed(unit);
        throw new RuntimeError("IO", `error creating systemd unit ${unit}: job ${result} (see journalctl -u ${unit})`);
      }
    },
    async stopUnit(unit) {
      let reply: unknown[] | undefined;
      try {
        reply = await call("StopUnit", "ss", [unit, "replace"]);
      } catch (err) {
        // A scope whose processes are all gone has been unloaded already.
        if (dbusErrorName(err) !== "org.freedesktop.systemd1.NoSuchUnit") throw busError(`StopUnit ${unit}`, err);
      }
      if (reply) await jobResult(String(reply[0]), unit, "remove");
      await resetFailed(unit);
    },
    async setUnitProperties(unit, props) {
      try {
        await call("SetUnitProperties", "sba(sv)", [unit, true, toVariants(dbus, props)]);
      } catch (err) {
        throw busError(`SetUnitProperties ${unit}`, err);
      }
    },
    close: () => bus.disconnect(),
  };
}
