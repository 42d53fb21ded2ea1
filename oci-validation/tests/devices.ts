/** runtime-linux.md#dev-symbolic-links, config-linux.md#default-devices and #devices. */
import { check, equal } from "../runner/assert.ts";
import type { ConformanceTest } from "../runner/types.ts";

const DEFAULT_DEVICES: Array<[string, number, number]> = [
  ["/dev/null", 1, 3],
  ["/dev/zero", 1, 5],
  ["/dev/full", 1, 7],
  ["/dev/random", 1, 8],
  ["/dev/urandom", 1, 9],
  ["/dev/tty", 5, 0],
];

export const deviceTests: ConformanceTest[] = [
  {
    name: "devices: the default devices exist with the right numbers",
    ref: "config-linux.md#default-devices",
    spec: "In addition to any devices configured with this setting, the runtime MUST also supply: /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty, /dev/console is set up if terminal is enabled in the config by bind mounting the pseudoterminal pty to /dev/console, /dev/ptmx. A bind-mount or symlink of the container's /dev/pts/ptmx.",
    async run(t) {
      const r = await t.runChecker(() => {});
      for (const [path, major, minor] of DEFAULT_DEVICES) {
        const d = r.devices[path];
        check(d, `${path} is missing`, `char ${major}:${minor}`, "missing");
        equal({ type: d.type, major: d.major, minor: d.minor }, { type: "c", major, minor }, `${path} type and numbers`);
      }
      const ptmx = r.devices["/dev/ptmx"];
      check(ptmx && ((ptmx.type === "l" && ptmx.link === "pts/ptmx") || (ptmx.type === "c" && ptmx.major === 5 && ptmx.minor === 2)), "/dev/ptmx links to pts/ptmx (or is a bind of it)", "symlink pts/ptmx", ptmx);
    },
  },
  {
    name: "devices: the default devices are usable (mode 0666)",
    ref: "config-linux.md#default-devices",
    spec: "the runtime MUST also supply: /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom, /dev/tty ... (runc and crun create them 0666 so that non-root processes can use them)",
    async run(t) {
      const r = await t.runChecker((c) => (c.process.user = { uid: 1000, gid: 1000 }), ["--path", "/dev/null", "--path", "/dev/zero"]);
      for (const [path] of DEFAULT_DEVICES) equal(r.devices[path]?.mode, 0o666, `${path} mode`);
      equal(r.paths["/dev/null"]?.bytes, 0, "uid 1000 reads /dev/null");
    },
  },
  {
    name: "devices: the /dev symlinks to /proc/self/fd exist",
    ref: "runtime-linux.md#dev-symbolic-links",
    spec: "While creating the container (step 2 in the lifecycle), runtimes MUST create the following symlinks if the source file exists after processing mounts: /proc/self/fd → /dev/fd, /proc/self/fd/0 → /dev/stdin, /proc/self/fd/1 → /dev/stdout, /proc/self/fd/2 → /dev/stderr",
    async run(t) {
      const r = await t.runChecker(() => {});
      const expected: Record<string, string> = { "/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0", "/dev/stdout": "/proc/self/fd/1", "/dev/stderr": "/proc/self/fd/2" };
      for (const [path, target] of Object.entries(expected)) equal(r.devices[path] && { type: r.devices[path].type, link: r.devices[path].link }, { type: "l", link: target }, `${path} symlink`);
    },
  },
  {
    name: "devices: /dev/console exists only with a terminal",
    ref: "config-linux.md#default-devices",
    spec: "/dev/console is set up if terminal is enabled in the config by bind mounting the pseudoterminal pty to /dev/console.",
    async run(t) {
      const r = await t.runChecker(() => {});
      check(r.devices["/dev/console"] === undefined || r.devices["/dev/console"].major !== 136, "/dev/console must not be a pty when terminal is false", "absent", r.devices["/dev/console"]);
    },
  },
  {
    name: "devices: linux.devices creates the device with type, numbers, mode, uid and gid",
    ref: "config-linux.md#devices",
    spec: "devices (array of objects, OPTIONAL) lists devices that MUST be available in the container. The runtime MAY supply them however it likes (with mknod, by bind mounting from the runtime mount namespace, using symlinks, etc.).",
    async run(t) {
      const r = await t.runChecker((c) => {
        c.linux.devices = [
          { path: "/dev/ociv-char", type: "c", major: 1, minor: 3, fileMode: 0o640, uid: 1001, gid: 1002 },
          { path: "/dev/sub/ociv-block", type: "b", major: 7, minor: 0, fileMode: 0o600, uid: 0, gid: 0 },
          { path: "/dev/ociv-fifo", type: "p", fileMode: 0o620 },
        ];
      });
      const ch = r.devices["/dev/ociv-char"];
      check(ch, "/dev/ociv-char is missing", "char 1:3", "missing");
      // A bind-mounted device keeps the host node's owner and mode, so check those only for mknod'd ones.
      equal({ type: ch.type, major: ch.major, minor: ch.minor }, { type: "c", major: 1, minor: 3 }, "/dev/ociv-char type and numbers");
      equal({ mode: ch.mode, uid: ch.uid, gid: ch.gid }, { mode: 0o640, uid: 1001, gid: 1002 }, "/dev/ociv-char fileMode, uid, gid");
      equal(r.devices["/dev/ociv-fifo"]?.type, "p", "/dev/ociv-fifo is a FIFO");
    },
  },
  {
    name: "devices: linux.devices in a subdirectory of /dev",
    ref: "config-linux.md#devices",
    spec: "path (string, REQUIRED) - full path to device inside container. If a file already exists at path that does not match the requested device, the runtime MUST generate an error.",
    async run(t) {
      const r = await t.runChecker((c) => (c.linux.devices = [{ path: "/dev/sub/ociv-block", type: "b", major: 7, minor: 0, fileMode: 0o600, uid: 0, gid: 0 }]), ["--path", "/dev/sub/ociv-block"]);
      equal(r.paths["/dev/sub/ociv-block"]?.exists, true, "/dev/sub/ociv-block exists");
    },
  },
  {
    name: "devices: a different file already at path is an error",
    ref: "config-linux.md#devices",
    spec: "path (string, REQUIRED) - full path to device inside container. If a file already exists at path that does not match the requested device, the runtime MUST generate an error.",
    async run(t) {
      await t.expectCreateFailure((c) => {
        c.root.readonly = false;
        c.linux.devices = [{ path: "/etc/hostname", type: "c", major: 1, minor: 3, fileMode: 0o666 }];
      }, "a device over the regular file /etc/hostname");
    },
  },
  {
    name: "devices: a device of an unknown type is an error",
    ref: "config-linux.md#devices",
    spec: "type (string, REQUIRED) - type of device: c, b, u or p.",
    async run(t) {
      await t.expectCreateFailure((c) => (c.linux.devices = [{ path: "/dev/bad", type: "x", major: 1, minor: 3 }]), "device type x");
    },
  },
];
