// A test-only `apptainer` program: checks its arguments against the documented command forms, keeps instance
// state in $APPTAINER_FAKE_STATE, logs every argv, and runs commands for real through `bwrap`.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";

const STATE = process.env.APPTAINER_FAKE_STATE;
if (!STATE) fail("APPTAINER_FAKE_STATE is not set");
const argv = process.argv.slice(2);
appendFileSync(`${STATE}/calls.jsonl`, JSON.stringify(argv) + "\n");

type Flags = { binds: string[]; env: string[]; pwd?: string; containall: boolean; cleanenv: boolean; no_home: boolean; writable_tmpfs: boolean; nv: boolean; net: boolean; network?: string };
type Instance = { image: string; flags: Flags };

function fail(message: string, code = 255): never {
  process.stderr.write(`FATAL:   ${message}\n`);
  process.exit(code);
}

/** Reads `--flag [value]` options up to the first positional argument. */
function parseFlags(args: string[]): { flags: Flags; rest: string[] } {
  const flags: Flags = { binds: [], env: [], containall: false, cleanenv: false, no_home: false, writable_tmpfs: false, nv: false, net: false };
  let i = 0;
  const value = (name: string): string => {
    const v = args[++i];
    if (v === undefined || v.startsWith("--")) fail(`flag needs an argument: ${name}`);
    return v;
  };
  for (; i < args.length && args[i]!.startsWith("-"); i++) {
    const a = args[i]!;
    if (a === "--bind" || a === "-B") {
      const spec = value(a);
      const parts = spec.split(":");
      if (parts.length < 2 || parts.length > 3 || (parts[2] !== undefined && parts[2] !== "ro" && parts[2] !== "rw")) fail(`bad bind spec ${spec}`);
      if (!existsSync(parts[0]!)) fail(`bind source ${parts[0]} doesn't exist`);
      flags.binds.push(spec);
    } else if (a === "--env") {
      const kv = value(a);
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(kv)) fail(`bad --env ${kv}`);
      flags.env.push(kv);
    } else if (a === "--pwd") flags.pwd = value(a);
    else if (a === "--network") flags.network = value(a);
    else if (a === "--containall" || a === "-C") flags.containall = true;
    else if (a === "--cleanenv" || a === "-e") flags.cleanenv = true;
    else if (a === "--no-home") flags.no_home = true;
    else if (a === "--writable-tmpfs") flags.writable_tmpfs = true;
    else if (a === "--nv") flags.nv = true;
    else if (a === "--net" || a === "-n") flags.net = true;
    else fail(`unknown flag: ${a}`);
  }
  if (flags.network !== undefined && (!flags.net || flags.network !== "none")) fail("this fake supports only --net --network none");
  return { flags, rest: args.slice(i) };
}

function instancePath(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) fail(`invalid instance name ${name}`);
  return `${STATE}/instances/${name}.json`;
}

function checkImage(image: string): void {
  if (!existsSync(image)) fail(`could not open image ${image}: no such file or directory`);
}

/** Runs `cmd` under bwrap as the container would: host system read-only standing in for the image's root. */
function runInContainer(start: Flags, exec: Flags, cmd: string[]): never {
  if (cmd.length === 0) fail("no command given");
  const a: string[] = [];
  for (const p of ["/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc/ld.so.cache"]) {
    if (!existsSync(p)) continue;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) a.push("--symlink", readlinkSync(p), p);
    else a.push("--ro-bind", p, p);
  }
  a.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  for (const spec of start.binds) {
    const [src, dst, mode] = spec.split(":") as [string, string, string | undefined];
    a.push(mode === "ro" ? "--ro-bind" : "--bind", src, dst);
  }
  if (!start.writable_tmpfs) a.push("--remount-ro", "/");
  a.push("--unshare-all", "--die-with-parent", "--new-session");
  if (!(start.net && start.network === "none")) a.push("--share-net");
  const clean = start.cleanenv || start.containall || exec.cleanenv;
  const env: Record<string, string> = clean ? { PATH: "/usr/local/bin:/usr/bin:/bin" } : { ...(process.env as Record<string, string>) };
  for (const kv of [...start.env, ...exec.env]) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
  a.push("--clearenv");
  for (const [k, v] of Object.entries(env)) a.push("--setenv", k, v);
  const pwd = exec.pwd ?? start.pwd;
  if (pwd !== undefined) a.push("--chdir", pwd);
  a.push("--", ...cmd);
  const r = spawnSync("bwrap", a, { stdio: "inherit" });
  process.exit(r.status ?? 137);
}

const [verb, ...args] = argv;
if (verb === "--version" || verb === "version") {
  process.stdout.write("apptainer version 1.3.0-fake\n");
  process.exit(0);
}
mkdirSync(`${STATE}/instances`, { recursive: true });
if (verb === "exec") {
  const { flags, rest } = parseFlags(args);
  const [target, ...cmd] = rest;
  if (target === undefined) fail("exec needs an image and a command");
  if (target.startsWith("instance://")) {
    const path = instancePath(target.slice("instance://".length));
    if (!existsSync(path)) fail(`no instance found with name ${target.slice(11)}`);
    if (flags.binds.length > 0 || flags.net || flags.containall) fail("mount and namespace options are fixed when an instance starts");
    runInContainer((JSON.parse(readFileSync(path, "utf8")) as Instance).flags, flags, cmd);
  }
  checkImage(target);
  runInContainer(flags, { ...flags, binds: [], env: [] }, cmd);
} else if (verb === "instance") {
  const [sub, ...more] = args;
  if (sub === "start") {
    const { flags, rest } = parseFlags(more);
    if (rest.length !== 2) fail("instance start needs IMAGE NAME");
    checkImage(rest[0]!);
    const path = instancePath(rest[1]!);
    if (existsSync(path)) fail(`instance ${rest[1]} already exists`);
    writeFileSync(path, JSON.stringify({ image: rest[0]!, flags } satisfies Instance));
    process.stdout.write(`INFO:    instance started successfully\n`);
  } else if (sub === "stop") {
    const names = more.filter((a) => a !== "--force" && a !== "-F");
    if (names.length !== 1 || more.some((a) => a.startsWith("-") && a !== "--force" && a !== "-F")) fail("instance stop needs [--force] NAME");
    const path = instancePath(names[0]!);
    if (!existsSync(path)) fail(`no instance found with name ${names[0]}`);
    rmSync(path);
    process.stdout.write(`INFO:    Stopping ${names[0]} instance\n`);
  } else if (sub === "list") {
    if (more.join(" ") !== "--json") fail("this fake lists only with --json");
    const instances = readdirSync(`${STATE}/instances`).map((f) => {
      const i = JSON.parse(readFileSync(`${STATE}/instances/${f}`, "utf8")) as Instance;
      return { instance: f.replace(/\.json$/, ""), pid: process.pid, img: i.image, ip: "", logErrPath: "", logOutPath: "" };
    });
    process.stdout.write(JSON.stringify({ instances }, null, 2) + "\n");
  } else fail(`unknown instance command ${sub}`);
} else if (verb === "build") {
  const opts = args.filter((a) => a.startsWith("-"));
  const pos = args.filter((a) => !a.startsWith("-"));
  for (const o of opts) if (!["--force", "-F", "--fakeroot", "-f", "--sandbox", "-s"].includes(o)) fail(`unknown flag: ${o}`);
  if (pos.length !== 2) fail("build needs OUT DEF");
  const [out, def] = pos as [string, string];
  if (!existsSync(def)) fail(`definition file ${def} not found`);
  if (existsSync(out) && !opts.includes("--force")) fail(`image file already exists: ${out} - will not overwrite`);
  writeFileSync(out, `FAKE-SIF\n${readFileSync(def, "utf8")}`);
  process.stdout.write(`INFO:    Build complete: ${out}\n`);
} else fail(`unknown command ${verb ?? ""}`);
