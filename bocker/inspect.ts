/**
 * `bocker inspect ID|NAME|IMAGE`: what bocker knows of a container or an image, as one JSON array
 * in `docker inspect`'s shape and field names where docker has them (State, Config, HostConfig,
 * NetworkSettings, Mounts), plus MonitorPid. An image: its source (what img.source says), its
 * manifest digest, config digest and config, from `bocker-imagetool inspect`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Spec } from "../schemas/generated/types/runtime-config.ts";
import type { Context } from "./context.ts";
import { BockerError } from "./errors.ts";
import { formatRestartPolicy } from "./restart.ts";
import { containerPid } from "./lifecycle.ts";
import { AddressPool, gatewayOf } from "./network/ipam.ts";
import { netnsPath } from "./network/veth.ts";
import { ownerAlive, readRunState } from "./run-state.ts";

interface ImageFacts {
  digest: string | null;
  configDigest: string | null;
  config: unknown;
}

function imageFacts(ctx: Context, image: string): ImageFacts {
  const r = ctx.tools.tryImagetool("inspect", image);
  if (r.code !== 0) return { digest: null, configDigest: null, config: null };
  const out = JSON.parse(r.stdout) as { id: string; digest: string; config: unknown };
  return { digest: out.digest, configDigest: out.id, config: out.config };
}

function inspectImage(ctx: Context, id: string): Record<string, unknown> {
  const facts = imageFacts(ctx, id);
  return { Id: id, Source: ctx.store.imageSource(id), Digest: facts.digest, ConfigDigest: facts.configDigest, Config: facts.config };
}

function readSpec(path: string): Spec | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Spec;
  } catch {
    return undefined;
  }
}

function inspectContainer(ctx: Context, id: string): Record<string, unknown> {
  const { store, net } = ctx;
  const record = store.readContainer(id);
  const state = readRunState(store.containerDir(id));
  const spec = readSpec(join(store.bundleDir(id), "config.json"));
  const pid = containerPid(ctx, id);
  const monitored = ownerAlive(state);
  const ip = new AddressPool(join(net.stateDir, net.bridge, "leases"), net.subnet).leasesOf(id)[0] ?? "";
  const restart = record.restart ?? { name: "no" as const };
  return {
    Id: id,
    Name: record.name ?? id,
    Created: record.created,
    Path: spec?.process?.args?.[0] ?? record.command[0] ?? "",
    Args: spec?.process?.args?.slice(1) ?? record.command.slice(1),
    State: {
      Status: state.status === "running" && pid === undefined && !monitored ? "exited" : state.status,
      Running: pid !== undefined,
      Restarting: state.status === "restarting",
      Pid: pid ?? 0,
      ExitCode: state.exitCode ?? 0,
      Error: state.error ?? "",
      StartedAt: state.startedAt ?? "",
      FinishedAt: state.finishedAt ?? "",
      MonitorPid: monitored ? state.ownerPid : 0,
    },
    Image: record.image,
    ImageDigest: imageFacts(ctx, record.image).digest,
    RestartCount: state.restartCount,
    LogPath: store.logPath(id),
    HostConfig: {
      RestartPolicy: { Name: restart.name, MaximumRetryCount: restart.name === "on-failure" ? (restart.maxRetries ?? 0) : 0, Text: formatRestartPolicy(restart) },
      LogConfig: {
        Type: "json-file",
        Config: record.logOptions?.maxSize !== undefined ? { "max-size": String(record.logOptions.maxSize), "max-file": String(record.logOptions.maxFile) } : {},
      },
      Memory: spec?.linux?.resources?.memory?.limit ?? 0,
      CpuShares: spec?.linux?.resources?.cpu?.shares ?? 0,
      CgroupParent: spec?.linux?.cgroupsPath ?? "",
      AutoRemove: record.remove === true, // run -d --rm (a foreground --rm run is gone once it ends)
    },
    Config: {
      Hostname: spec?.hostname ?? id,
      Image: record.image,
      Cmd: record.command,
      Env: spec?.process?.env ?? [],
      WorkingDir: spec?.process?.cwd ?? "/",
      User: spec?.process?.user ? `${spec.process.user.uid}:${spec.process.user.gid}` : "",
    },
    NetworkSettings: {
      Bridge: net.bridge,
      IPAddress: ip,
      Gateway: ip ? gatewayOf(net.subnet) : "",
      IPPrefixLen: net.subnet.prefix,
      SandboxKey: existsSync(netnsPath(id)) ? netnsPath(id) : "",
      Ports: Object.fromEntries(record.ports.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: "0.0.0.0", HostPort: String(p.hostPort) }]])),
    },
    Mounts: record.volumes.map((v) => {
      const [source, destination, mode] = v.split(":");
      return { Type: "bind", Source: source, Destination: destination, RW: mode !== "ro" };
    }),
  };
}

/** Containers by id or name first, then images; the original's error for neither. */
export function inspect(ctx: Context, target: string): Record<string, unknown> {
  if (ctx.store.imageExists(target)) return inspectImage(ctx, target);
  try {
    return inspectContainer(ctx, ctx.store.resolveContainer(target));
  } catch (err) {
    if ((err as { code?: string }).code === "NO_CONTAINER") throw new BockerError(`No image or container named '${target}' exists`, { cause: err, code: "NO_CONTAINER" });
    throw err;
  }
}
