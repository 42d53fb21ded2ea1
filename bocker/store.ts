/**
 * The wrapper's own records under BOCKER_ROOT, laid out like the original's subvolumes:
 *   images/img_N/img.source            what the image came from ("centos:7", a directory)
 *   containers/ps_N/ps_N.cmd, ps_N.log  the command and its output, as the original kept them
 *   containers/ps_N/container.json      what `run` decided (image, name, ports, volumes, address)
 * Image content lives in the imagetool's store in the same root (content/, snapshots/), under the
 * name img_N; containers' runtime state in runtime/.
 *
 * Ids come from an allocator (pickFree, under an flock), then their directory is made.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BockerError, noContainer, noImage } from "./errors.ts";
import { withLock } from "./lock.ts";
import type { LogOptions } from "./logfile.ts";
import type { PortMapping } from "./network/ports.ts";
import type { RestartPolicy } from "./restart.ts";

export type Kind = "img" | "ps";
const ID_MIN = 10000;
const ID_MAX = 99999;
const ID_PATTERN = { img: /^img_\d{5}$/, ps: /^ps_\d{5}$/ };

export interface ContainerRecord {
  readonly id: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly name?: string;
  readonly ports: readonly PortMapping[];
  /** `-v` arguments with named volumes resolved to their directories. */
  readonly volumes: readonly string[];
  readonly created: string;
  /** --restart; absent: no. */
  readonly restart?: RestartPolicy;
  /** --log-opt; absent: one file without limit. */
  readonly logOptions?: LogOptions;
  /** run -d --rm: its monitor removes it once it ends for good. */
  readonly remove?: boolean;
}

/** What other containers may call it besides its id (--name). */
export const namesOf = (c: { readonly name?: string }): string[] => (c.name !== undefined ? [c.name] : []);

/**
 * A uniformly random number in [min, max] that is not in `used`, or undefined when there is none:
 * the k-th free number for a random k, so it terminates and never collides however full the
 * range is (the original drew with `shuf` and recursed on a conflict).
 */
export function pickFree(used: ReadonlySet<number>, min: number, max: number, random = Math.random): number | undefined {
  let free = 0;
  for (let n = min; n <= max; n++) if (!used.has(n)) free++;
  if (free === 0) return undefined;
  let k = Math.floor(random() * free);
  for (let n = min; ; n++) if (!used.has(n) && k-- === 0) return n;
}

export class Store {
  constructor(readonly root: string) {}

  get imagesDir() { return join(this.root, "images"); }
  get containersDir() { return join(this.root, "containers"); }
  get runtimeRoot() { return join(this.root, "runtime"); }
  get networkDir() { return join(this.root, "network"); }
  get volumesDir() { return join(this.root, "volumes"); }

  private dirOf(kind: Kind) {
    return kind === "img" ? this.imagesDir : this.containersDir;
  }

  list(kind: Kind): string[] {
    if (!existsSync(this.dirOf(kind))) return [];
    return readdirSync(this.dirOf(kind)).filter((n) => ID_PATTERN[kind].test(n)).sort();
  }

  /**
   * Reserves a fresh id under the id lock. `init` writes the first files into a staging directory
   * of the same name (BOCKER_ROOT/staging/<id>), then it is renamed into place: `ps` and `images`,
   * which take no lock, never see an entry whose files are not written yet.
   */
  allocate(kind: Kind, init: (dir: string) => void): Promise<string> {
    return withLock(join(this.root, "ids.lock"), () => {
      const n = pickFree(new Set(this.list(kind).map((id) => Number(id.slice(kind.length + 1)))), ID_MIN, ID_MAX);
      if (n === undefined) throw new BockerError(`no free ${kind}_ ids left in ${this.dirOf(kind)}`);
      const id = `${kind}_${n}`;
      const staging = join(this.root, "staging", id);
      rmSync(staging, { recursive: true, force: true }); // left by a crash mid-allocation
      mkdirSync(staging, { recursive: true });
      mkdirSync(this.dirOf(kind), { recursive: true });
      try {
        init(staging);
        renameSync(staging, join(this.dirOf(kind), id));
      } catch (err) {
        rmSync(staging, { recursive: true, force: true });
        throw err;
      }
      return id;
    });
  }

  remove(kind: Kind, id: string): void {
    rmSync(join(this.dirOf(kind), id), { recursive: true, force: true });
  }

  // ---- images ----

  imageExists(id: string): boolean {
    return ID_PATTERN.img.test(id) && existsSync(join(this.imagesDir, id));
  }

  requireImage(id: string): void {
    if (!this.imageExists(id)) throw noImage(id);
  }

  imageSource(id: string): string {
    return readFileSync(join(this.imagesDir, id, "img.source"), "utf8").trim();
  }

  setImageSource(id: string, source: string): void {
    Store.writeImageSource(join(this.imagesDir, id), source);
  }

  /** img.source in an image directory (also a staging one, see allocate). */
  static writeImageSource(imageDir: string, source: string): void {
    writeFileSync(join(imageDir, "img.source"), `${source}\n`);
  }

  // ---- containers ----

  containerDir(id: string): string {
    return join(this.containersDir, id);
  }
  bundleDir(id: string): string {
    return join(this.containerDir(id), "bundle");
  }
  logPath(id: string): string {
    return join(this.containerDir(id), `${id}.log`);
  }

  writeContainer(dir: string, record: ContainerRecord): void {
    writeFileSync(join(dir, "container.json"), JSON.stringify(record, null, 2) + "\n");
    writeFileSync(join(dir, `${record.id}.cmd`), `${record.command.join(" ")}\n`);
    writeFileSync(join(dir, `${record.id}.log`), "");
  }

  readContainer(id: string): ContainerRecord {
    return JSON.parse(readFileSync(join(this.containerDir(id), "container.json"), "utf8")) as ContainerRecord;
  }

  containerCommand(id: string): string {
    return readFileSync(join(this.containerDir(id), `${id}.cmd`), "utf8").trimEnd();
  }

  /** The container's --name; undefined also while `run` is still writing its record. */
  nameOf(id: string): string | undefined {
    try {
      return this.readContainer(id).name;
    } catch {
      return undefined;
    }
  }

  /** A container by id or by its --name; the original's error when there is none. */
  resolveContainer(idOrName: string): string {
    if (ID_PATTERN.ps.test(idOrName) && existsSync(join(this.containerDir(idOrName), "container.json"))) return idOrName;
    const named = this.list("ps").find((id) => this.nameOf(id) === idOrName);
    if (!named) throw noContainer(idOrName);
    return named;
  }
}
