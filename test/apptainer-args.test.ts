// Apptainer argument builders against the documented command forms.
import { describe, expect, it } from "vitest";
import { buildArgs, containerFlags, execArgs, instanceExecArgs, instanceListArgs, instanceStartArgs, instanceStopArgs } from "../apptainer/args.ts";

describe("apptainer args", () => {
  it.each([
    ["exec IMAGE CMD", execArgs("img.sif", ["python3", "-V"]), ["exec", "img.sif", "python3", "-V"]],
    ["exec with binds and env", execArgs("img.sif", ["ls"], { binds: [{ src: "/data", dst: "/in", ro: true }, { src: "/out", dst: "/out", ro: false }], env: { A: "1", B: "x y" } }), ["exec", "--bind", "/data:/in:ro", "--bind", "/out:/out", "--env", "A=1", "--env", "B=x y", "img.sif", "ls"]],
    ["exec --nv", execArgs("img.sif", ["nvidia-smi"], { nv: true }), ["exec", "--nv", "img.sif", "nvidia-smi"]],
    ["exec --pwd", execArgs("img.sif", ["pwd"], { pwd: "/work" }), ["exec", "--pwd", "/work", "img.sif", "pwd"]],
    ["instance start IMAGE NAME", instanceStartArgs("img.sif", "tools_1"), ["instance", "start", "img.sif", "tools_1"]],
    ["exec instance://NAME CMD", instanceExecArgs("tools_1", ["cat"], { env: { K: "v" }, pwd: "/sandbox", cleanenv: true }), ["exec", "--cleanenv", "--env", "K=v", "--pwd", "/sandbox", "instance://tools_1", "cat"]],
    ["instance stop NAME", instanceStopArgs("tools_1"), ["instance", "stop", "tools_1"]],
    ["instance stop --force NAME", instanceStopArgs("tools_1", { force: true }), ["instance", "stop", "--force", "tools_1"]],
    ["instance list --json", instanceListArgs(), ["instance", "list", "--json"]],
    ["build OUT DEF", buildArgs("out.sif", "tools.def"), ["build", "out.sif", "tools.def"]],
    ["build --force --fakeroot --sandbox", buildArgs("out", "tools.def", { force: true, fakeroot: true, sandbox: true }), ["build", "--force", "--fakeroot", "--sandbox", "out", "tools.def"]],
  ])("apptainer args - %s", (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  it("apptainer args - every isolation flag in one fixed order", () => {
    expect(
      containerFlags({ containall: true, cleanenv: true, no_home: true, writable_tmpfs: true, nv: true, network_none: true, binds: [{ src: "/w/sbx-1", dst: "/sandbox", ro: false }], env: { PATH: "/usr/bin" }, pwd: "/sandbox" }),
    ).toMatchInlineSnapshot(`
      [
        "--containall",
        "--cleanenv",
        "--no-home",
        "--writable-tmpfs",
        "--nv",
        "--net",
        "--network",
        "none",
        "--bind",
        "/w/sbx-1:/sandbox",
        "--env",
        "PATH=/usr/bin",
        "--pwd",
        "/sandbox",
      ]
    `);
  });

  it("apptainer args - refuses what the CLI would misread: bind paths with ':' or ',', env values with ',', odd instance names, no command", () => {
    expect(() => execArgs("i.sif", ["ls"], { binds: [{ src: "/a:b", dst: "/x", ro: true }] })).toThrow("must not contain");
    expect(() => execArgs("i.sif", ["ls"], { env: { A: "1,2" } })).toThrow("must not contain ','");
    expect(() => instanceStartArgs("i.sif", "bad name")).toThrow("invalid apptainer instance name");
    expect(() => execArgs("i.sif", [])).toThrow("needs a command");
  });
});
