/**
 * Rootless with /etc/subuid and /etc/subgid ranges: the command runs again inside a user namespace
 * that maps the user to root and the first subordinate range after it, as podman's rootless
 * storage does (`podman unshare`), so every id of the image that falls in the range gets its real
 * owner on disk (chown works there) instead of a `user.rootlesscontainers` xattr. The namespace is
 * made by util-linux `unshare --user --map-auto --map-root-user`, which has the setuid newuidmap
 * and newgidmap write the maps: Bun is multi-threaded, so it cannot unshare(CLONE_NEWUSER) itself
 * (runc libcontainer/nsenter/README.md). Only commands that write or remove snapshot trees need
 * it: a tree owned by subordinate ids can be removed only from inside such a namespace.
 *
 * BOCKER_IMAGETOOL_USERNS=0 keeps a command out of it (the single-id mode); =1 marks the re-run.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { constants as osConstants } from "node:os";

export const USERNS_ENV = "BOCKER_IMAGETOOL_USERNS";
const TOOLS = ["/usr/bin/unshare", "/usr/bin/newuidmap", "/usr/bin/newgidmap"];

/** Whether `file` gives the user (by name or uid) a range of at least 2 ids (subuid(5)). */
function hasRange(file: string, names: string[]): boolean {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return false;
  }
  return text.split("\n").some((l) => {
    const [who, , count] = l.split(":");
    return who !== undefined && names.includes(who) && Number(count) >= 2;
  });
}

/** The user's names in /etc/passwd (Bun's os.userInfo() does not read it: "unknown"). */
function userNames(uid: number): string[] {
  try {
    return readFileSync("/etc/passwd", "utf8").split("\n").filter((l) => l.split(":")[2] === String(uid)).map((l) => l.split(":")[0]!);
  } catch {
    return [];
  }
}

/** user_namespaces(7): max_user_namespaces 0 forbids them; Debian's unprivileged_userns_clone 0 forbids them to users. */
function userNamespacesAllowed(): boolean {
  const read = (f: string) => {
    try {
      return readFileSync(f, "utf8").trim();
    } catch {
      return undefined;
    }
  };
  return read("/proc/sys/user/max_user_namespaces") !== "0" && read("/proc/sys/kernel/unprivileged_userns_clone") !== "0";
}

/** Whether this unprivileged command should run inside the user's subordinate-id namespace. */
export function wantsUserNamespace(env: Record<string, string | undefined> = process.env): boolean {
  const euid = process.geteuid!();
  if (euid === 0 || env[USERNS_ENV] !== undefined) return false;
  if (!TOOLS.every(existsSync) || (statSync("/usr/bin/newuidmap").mode & 0o4000) === 0 || !userNamespacesAllowed()) return false;
  const names = [String(euid), ...userNames(euid)];
  return hasRange("/etc/subuid", names) && hasRange("/etc/subgid", names);
}

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const;

/**
 * Runs this very command again inside the namespace (stdio inherited) and returns its exit status.
 * unshare execs the command in its own process (no --fork), so the child is the command itself:
 * a signal sent to this process (a pull stopped by its PID) is passed on to it, and its death by a
 * signal is reported as the shell does (128 + the signal's number).
 */
export async function runInUserNamespace(args: string[], root: string): Promise<number> {
  const compiled = Bun.main.startsWith("/$bunfs/");
  const self = compiled ? [process.execPath] : [process.execPath, Bun.main];
  const proc = Bun.spawn(["/usr/bin/unshare", "--user", "--map-auto", "--map-root-user", "--", ...self, ...args], {
    stdio: ["inherit", "inherit", "inherit"],
    env: { ...process.env, [USERNS_ENV]: "1", BOCKER_ROOT: root },
  });
  const forward = (sig: NodeJS.Signals) => proc.kill(sig);
  for (const sig of FORWARDED) process.on(sig, forward);
  const code = await proc.exited;
  for (const sig of FORWARDED) process.off(sig, forward);
  return proc.signalCode ? 128 + osConstants.signals[proc.signalCode as NodeJS.Signals] : code;
}
